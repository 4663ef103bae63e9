; Every use of a name, for definition and references within the file.
(identifier) @name
(type_identifier) @type
