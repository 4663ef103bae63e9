import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Analyser } from '../../server/src/analyser';
import type { QueueModel } from '../../server/src/model';
import { FIXTURES } from '../shared';

export function modelOfText(text: string): QueueModel {
  return new Analyser().analyseText(text).model;
}

export function versionFixture(name: string): string {
  return readFileSync(resolve(FIXTURES, 'versions', `${name}.c`), 'utf8');
}

/** Queue -> { enqueuing function -> bounds } for compact assertions. */
export function enqueueTable(m: QueueModel): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const q of m.queues.values()) {
    const t: Record<string, string[]> = {};
    for (const s of q.enqueues) (t[s.fn] ??= []).push(`${s.end}:${s.bound}`);
    out[q.name] = t;
  }
  return out;
}

export function drainSites(m: QueueModel, drain: string) {
  const d = m.drains.find((x) => x.fn === drain);
  return (d?.sites ?? []).map((s) => ({
    queue: s.queue,
    hooks: Object.fromEntries(s.hooks.map((h) => [h.param, h.fns])),
    exitsOnFailure: s.exitsOnFailure,
  }));
}

export function routeOf(m: QueueModel, drain: string, queue: string, error: string): string[] {
  const site = m.drains.find((x) => x.fn === drain)?.sites.find((s) => s.queue === queue);
  const r = site?.routes.find((x) => x.error === error);
  return (r?.outcomes ?? []).filter((o) => !o.dropped).map((o) => `${o.hook}>${o.queue}`);
}
