import { readFileSync } from 'node:fs';
import { Analyser } from '../../server/src/analyser';
import { clearFactCache } from '../../server/src/facts/fileFacts';
const text = readFileSync(process.argv[2], 'utf8');
for (let i = 0; i < 60; i++) { clearFactCache(); void new Analyser().analyseText(text).findings.length; }
