#!/usr/bin/env node
'use strict';
// The CLI is bundled into dist/cli.js by `npm run build`.
try {
  require('../dist/cli.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]cli\.js/.test(String(err.message))) {
    process.stderr.write('auditlens: not built yet; run `npm run build` first\n');
    process.exit(2);
  }
  throw err;
}
