// Every test file runs with the parser engine loaded, as every entry point does.
// AUDITLENS_PARSER=native|wasm forces one (test/unit/engines.test.ts compares both).
import { initParserEngine } from '../../server/src/parse/nodeEngine';

await initParserEngine();
