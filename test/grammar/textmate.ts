/**
 * Tokenizing with vscode-textmate + vscode-oniguruma (the engine VS Code uses), for the grammar
 * tests: a registry over our grammar files, and a tokenized document with scope lookups.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as Onig from 'vscode-oniguruma';
import type * as TM from 'vscode-textmate';

const requireCjs = createRequire(__filename);
const tm = requireCjs('vscode-textmate') as typeof TM;
const onig = requireCjs('vscode-oniguruma') as typeof Onig;

let onigReady: Promise<void> | undefined;
export function loadOniguruma(): Promise<void> {
  // onig.wasm ships inside the vscode-oniguruma package: nothing is fetched
  const wasm = readFileSync(`${dirname(requireCjs.resolve('vscode-oniguruma'))}/onig.wasm`);
  onigReady ??= onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  return onigReady;
}

/** An Oniguruma scanner over one pattern (throws when it does not compile), after loadOniguruma(). */
export function onigRegExp(pattern: string): Onig.OnigScanner {
  return new onig.OnigScanner([pattern]);
}

/** Loads `scopeName` from the grammar files given by scope name. */
export async function loadGrammar(scopeName: string, files: Record<string, string>): Promise<TM.IGrammar> {
  await loadOniguruma();
  const registry = new tm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new onig.OnigScanner(patterns),
      createOnigString: (s: string) => new onig.OnigString(s),
    }),
    loadGrammar: async (scope: string) => {
      const path = files[scope];
      return path ? tm.parseRawGrammar(readFileSync(path, 'utf8'), path) : null;
    },
  });
  const grammar = await registry.loadGrammar(scopeName);
  if (!grammar) throw new Error(`${scopeName} did not load`);
  return grammar;
}

export interface Token {
  start: number;
  end: number;
  text: string;
  scopes: string[];
}

/** A tokenized document, with helpers to find a line and the scopes over a piece of it. */
export class Tokenized {
  readonly lines: string[];
  readonly tokens: Token[][] = [];

  constructor(grammar: TM.IGrammar, text: string) {
    this.lines = text.split(/\r?\n/);
    let state = tm.INITIAL;
    for (const line of this.lines) {
      // no time limit: a slow machine must not change the tokens
      const r = grammar.tokenizeLine(line, state);
      this.tokens.push(r.tokens.map((t) => ({ start: t.startIndex, end: t.endIndex, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes })));
      state = r.ruleStack;
    }
  }

  /** Index of the first line (from `from`) that starts with `line`, or matches it when a RegExp. */
  find(line: string | RegExp, from = 0): number {
    const i = this.lines.findIndex((l, n) => n >= from && (typeof line === 'string' ? l.startsWith(line) : line.test(l)));
    if (i < 0) throw new Error(`no line matching ${String(line)}`);
    return i;
  }

  /** Scopes shared by every token over the first occurrence of `needle` in line `i` (the whole line when omitted). */
  scopes(i: number, needle?: string): string[] {
    const line = this.lines[i];
    const start = needle === undefined ? 0 : line.indexOf(needle);
    if (start < 0) throw new Error(`${JSON.stringify(needle)} not in line ${i + 1}: ${JSON.stringify(line)}`);
    const end = needle === undefined ? line.length : start + needle.length;
    const over = this.tokens[i].filter((t) => t.end > start && t.start < Math.max(end, start + 1));
    if (over.length === 0) throw new Error(`no token over ${JSON.stringify(needle)} in line ${i + 1}`);
    return over.map((t) => t.scopes).reduce((acc, s) => acc.filter((x) => s.includes(x)));
  }

  /** Scopes over `needle` in the first line starting with (or matching) `line`. */
  at(line: string | RegExp, needle?: string, from = 0): string[] {
    return this.scopes(this.find(line, from), needle);
  }
}

/** All scopes (space-separated names split apart) in a list, for "contains a scope starting with" checks. */
export const names = (scopes: string[]) => scopes.flatMap((s) => s.split(' '));
export const hasPrefix = (scopes: string[], prefix: string) => names(scopes).some((s) => s === prefix || s.startsWith(`${prefix}.`));

/** The tokenizer's start state. */
export const INITIAL = tm.INITIAL;
