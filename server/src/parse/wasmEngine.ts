/**
 * The WebAssembly engine: web-tree-sitter's runtime with the tree-sitter-c grammar
 * that the `tree-sitter-c` package ships as `tree-sitter-c.wasm`. No native code,
 * so it runs wherever Node or a browser worker does. Both modules arrive as bytes,
 * so the same code serves the CLI (read from disk) and the web worker (fetched).
 */
import { Language, Parser as WasmParser, Query as WasmQuery, type Tree as WasmTree } from 'web-tree-sitter';
import type { EngineParser, ParserEngine, Query, Tree } from './engine';

/**
 * A WebAssembly tree lives in the module's linear memory until deleted. Trees here
 * are shared by ParsedSource copies and reached from nodes (`node.tree`), so they
 * are freed when the JS tree object itself is collected, or earlier when their owner
 * says no one will read them again (release).
 */
const treeMemory = new FinalizationRegistry<{ free(): void }>((held) => held.free());

function freeWhenCollected(tree: WasmTree): void {
  // `delete()` reads the tree's address from slot 0; a shell with that slot frees the
  // same memory without keeping the tree itself reachable from the registry.
  const address = (tree as unknown as Record<number, number>)[0];
  const shell = Object.create(Object.getPrototypeOf(tree)) as WasmTree & Record<number, number>;
  shell[0] = address;
  treeMemory.register(tree, { free: () => shell.delete() }, tree);
}

function release(tree: WasmTree): void {
  if (!treeMemory.unregister(tree)) return; // released before
  tree.delete();
  // a late reader gets an error, not whatever now lives at the freed address
  Object.defineProperty(tree, 'rootNode', { get: () => { throw new Error('tree-sitter tree read after it was released'); } });
}

export async function createWasmEngine(runtime: Uint8Array, grammar: Uint8Array): Promise<ParserEngine> {
  await WasmParser.init({ wasmBinary: runtime } as Parameters<typeof WasmParser.init>[0]);
  const language = await Language.load(grammar);
  return {
    name: 'wasm',
    description: `WebAssembly tree-sitter (web-tree-sitter, tree-sitter-c ABI ${language.abiVersion})`,
    newParser(): EngineParser {
      const parser = new WasmParser();
      parser.setLanguage(language);
      return {
        parse(text: string, oldTree?: Tree): Tree {
          const tree = parser.parse(text, oldTree as unknown as WasmTree | undefined);
          if (!tree) throw new Error('tree-sitter (WebAssembly) returned no tree');
          freeWhenCollected(tree);
          return tree as unknown as Tree;
        },
      };
    },
    query(source: string): Query {
      return new WasmQuery(language, source) as unknown as Query;
    },
    release: (tree) => release(tree as unknown as WasmTree),
  };
}
