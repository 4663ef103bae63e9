/**
 * Loading the parser engine in Node (CLI, language server, tests, bench). The
 * WebAssembly modules are read from beside the bundle (`dist/`, where the build
 * copies them) or, when running from source, from their packages.
 * `AUDITLENS_PARSER=native|wasm` forces an engine; the default takes native where
 * its binding loads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { loadParserEngine, parsePreference, type EnginePreference, type ParserEngine } from './engine';
import { createNativeEngine } from './nativeEngine';
import { createWasmEngine } from './wasmEngine';

export const WASM_RUNTIME = 'tree-sitter.wasm';
export const WASM_GRAMMAR = 'tree-sitter-c.wasm';

/** `file` beside the bundle (dist/), else in the root of the package that ships it (running from source). */
function locate(file: string, pkg: string): string {
  const beside = join(__dirname, file);
  if (existsSync(beside)) return beside;
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), file);
  } catch {
    // web-tree-sitter's exports map hides package.json; its main entry is in the package root.
    return join(dirname(require.resolve(pkg)), file);
  }
}

export function wasmFiles(): { runtime: string; grammar: string } {
  return { runtime: locate(WASM_RUNTIME, 'web-tree-sitter'), grammar: locate(WASM_GRAMMAR, 'tree-sitter-c') };
}

export function initParserEngine(preference: EnginePreference = parsePreference(process.env.AUDITLENS_PARSER)): Promise<ParserEngine> {
  return loadParserEngine(
    {
      native: createNativeEngine,
      wasm: () => {
        // Baseline (Liftoff) code only: tiering the grammar's huge lexer and parse tables up to
        // TurboFan costs about 250 ms of CPU in the first second, more than every parse after
        // it gains (a whole-file parse is 20 ms either way, an edit's reparse the same), and a
        // one-shot CLI run or a server opening its first file is that first second. Must be
        // set before the first module is compiled.
        setFlagsFromString('--liftoff-only');
        const files = wasmFiles();
        return createWasmEngine(readFileSync(files.runtime), readFileSync(files.grammar));
      },
    },
    preference,
  );
}
