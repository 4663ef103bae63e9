/**
 * The V8 flags the desktop client starts the language server with (client/src/nodeClient.ts;
 * `npm run bench` starts it the same way). A server lives through thousands of short-lived
 * analyses: with V8's defaults a 20 MB live heap sat in 130+ MB of committed young and old
 * space between collections. A smaller young generation and a slower old-generation growth
 * keep it near 50 MB, at no measurable cost per edit.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=20'];
