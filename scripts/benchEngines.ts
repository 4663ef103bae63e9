/**
 * The two parser engines side by side, for `npm run bench`: each runs in its own
 * process (the engine is chosen once per process, by AUDITLENS_PARSER), and says
 * how long a parse, the tree walk (copying every function's subtree into JS, what
 * the analyses read) and a whole cold analysis take on the same input.
 */
import { spawnSync } from 'node:child_process';
import { Analyser } from '../server/src/analyser';
import { clearFactCache } from '../server/src/facts/fileFacts';
import { KernelCParser } from '../server/src/parse/cParser';
import { parserEngine } from '../server/src/parse/engine';
import { mirror } from '../server/src/parse/mirror';
import { Outline } from '../server/src/parse/outline';

export interface EngineTimes {
  engine: string;
  description: string;
  parseMs: number;
  walkMs: number;
  analysisMs: number;
}

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

function timed(runs: number, fn: () => void): number {
  for (let i = 0; i < Math.min(3, runs); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** In the child: measures the engine this process loaded. */
export function probeEngine(text: string, runs: number): EngineTimes {
  const parser = new KernelCParser();
  const parsed = parser.parse(text);
  const functions = new Outline(parsed).functions;
  const root = parsed.tree.rootNode;
  return {
    engine: parserEngine().name,
    description: parserEngine().description,
    parseMs: timed(runs, () => void parser.parse(text)),
    walkMs: timed(runs, () => {
      for (const f of functions) {
        const node = root.descendantForIndex(f.span.start, f.span.end - 1);
        if (node) mirror(node);
      }
    }),
    analysisMs: timed(runs, () => {
      clearFactCache();
      void new Analyser().analyseText(text).findings.length;
    }),
  };
}

/** In the parent: one child per engine; an engine that does not load here is reported with why. */
export function compareEngines(script: string, file: string, runs: number): (EngineTimes | { engine: string; unavailable: string })[] {
  return (['native', 'wasm'] as const).map((engine) => {
    const r = spawnSync(process.execPath, [script, '--engine-probe', file, '--runs', String(runs)], {
      encoding: 'utf8',
      env: { ...process.env, AUDITLENS_PARSER: engine },
    });
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.status !== 0 || !last.startsWith('{')) return { engine, unavailable: (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`).replace(/^bench: /, '') };
    return JSON.parse(last) as EngineTimes;
  });
}
