/**
 * The native engine: node-tree-sitter over N-API with tree-sitter-c's binding.
 * node-gyp-build picks a compiled `build/Release` binding, else the package's
 * prebuild for this platform; either may fail to load (tree-sitter 0.25.1's
 * linux-x64 prebuild needs GLIBCXX_3.4.31, newer than Debian 12's libstdc++), and
 * then the caller falls back to WebAssembly. Node only: the web build never imports this.
 */
import type { EngineParser, ParserEngine, Query, Tree } from './engine';

export function createNativeEngine(): ParserEngine {
  // Required lazily so a failing binding is a caught error, not a failed module load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Parser = require('tree-sitter') as typeof import('tree-sitter');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const language = require('tree-sitter-c') as import('tree-sitter').Language;
  // Setting the language is what first touches both bindings: fail here, not at the first parse.
  new Parser().setLanguage(language);
  return {
    name: 'native',
    description: 'native tree-sitter (node-tree-sitter N-API binding, tree-sitter-c)',
    newParser(): EngineParser {
      const parser = new Parser();
      parser.setLanguage(language);
      return {
        parse(text: string, oldTree?: Tree): Tree {
          // A string larger than the default buffer is read in chunks by the binding.
          const options = { bufferSize: Math.max(32 * 1024, text.length + 1) };
          return parser.parse(text, oldTree as unknown as import('tree-sitter').Tree | undefined, options) as unknown as Tree;
        },
      };
    },
    query(source: string): Query {
      return new Parser.Query(language, source) as unknown as Query;
    },
  };
}
