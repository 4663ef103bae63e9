; Real syntax errors left after kernel-idiom normalisation.
(ERROR) @error
(MISSING) @missing
