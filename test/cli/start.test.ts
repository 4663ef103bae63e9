/** `npm start` (scripts/start.mjs): three commands under headings, each followed by what to read in it, then what to try next. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './cliProcess';

beforeAll(() => ensureBuilt());

it('runs check, review and simulate of the example under numbered headings and ends with next steps', () => {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'scripts', 'start.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const headings = r.stdout.split('\n').filter((l) => /^\d\/3 {2}/.test(l));
  expect(headings.map((h) => h.split(':')[0])).toEqual(['1/3  check', '2/3  review', '3/3  simulate']);
  for (const cmd of ['$ auditlens check', '$ auditlens review', '$ auditlens simulate']) expect(r.stdout).toContain(cmd);
  // the review's own output and the simulation's explanation of counted loss are there
  expect(r.stdout).toMatch(/\[AQ101\]/);
  expect(r.stdout).toMatch(/lost \d+ \(\d+ %\)/);
  expect(r.stdout).toMatch(/designed outcome of a bounded backlog/);
  expect(r.stdout).not.toMatch(/\b1 hunks\b/);
  expect(r.stdout).toMatch(/^Next, on your own tree/m);
  expect(r.stdout).toMatch(/--write-baseline/);
});
