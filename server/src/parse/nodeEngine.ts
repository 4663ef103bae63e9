/**
 * Loading the parser engine in Node (CLI, language server, tests, bench). The
 * WebAssembly modules are read from beside the bundle (`dist/`, where the build
 * copies them) or, when running from source, from their packages.
 * `AUDITLENS_PARSER=native|wasm` forces an engine; the default takes native where
 * its binding loads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadParserEngine, parsePreference, type EnginePreference, type ParserEngine } from './engine';
import { createNativeEngine } from './nativeEngine';
import { createWasmEngine } from './wasmEngine';

export const WASM_RUNTIME = 'tree-sitter.wasm';
export const WASM_GRAMMAR = 'tree-sitter-c.wasm';

function wasmPath(file: string, pkg: string): string {
  const beside = join(__dirname, file);
  if (existsSync(beside)) return beside;
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

function packageDir(pkg: string): string {
  // web-tree-sitter's exports map hides package.json; its main entry is in the package root.
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return dirname(require.resolve(pkg));
  }
}

export function wasmFiles(): { runtime: string; grammar: string } {
  const runtimeBeside = join(__dirname, WASM_RUNTIME);
  const runtime = existsSync(runtimeBeside) ? runtimeBeside : join(packageDir('web-tree-sitter'), WASM_RUNTIME);
  return { runtime, grammar: wasmPath(WASM_GRAMMAR, 'tree-sitter-c') };
}

export function initParserEngine(preference: EnginePreference = parsePreference(process.env.AUDITLENS_PARSER)): Promise<ParserEngine> {
  return loadParserEngine(
    {
      native: createNativeEngine,
      wasm: () => {
        const files = wasmFiles();
        return createWasmEngine(readFileSync(files.runtime), readFileSync(files.grammar));
      },
    },
    preference,
  );
}
