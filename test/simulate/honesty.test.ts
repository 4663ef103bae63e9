/**
 * A simulation says what it ran and never passes a run it could not make
 * meaningful: every result carries its coverage (consumer, producer path,
 * connection, send timeout); a file with no connection is refused (exit 2);
 * a consumer that never delivers while auditd is healthy violates `progress`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { simulate } from '../../server/src/simulate';
import { HISTORY, hasShared, needsShared, readShared } from '../shared';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'auditlens.js');
const DEMO = readFileSync(join(ROOT, 'examples', 'kauditd-demo.c'), 'utf8');
const run = (text: string, scenario: 'steady' | 'auditd-stopped' = 'steady') => simulate(new Analyser().analyseText(text), { scenario, records: 400 });

describe('simulation honesty', () => {
  it('says what it ran: consumer, producer path, connection and send timeout', () => {
    const r = run(DEMO);
    expect(r.coverage).toMatchObject({ consumer: 'demo_kauditd_thread', producer: 'demo_log_record', connection: { form: 'rcu-pointer', globals: ['auditd_conn'] } });
    expect(r.coverage!.sendTimeout).toMatch(/sk_sndtimeo = HZ \/ 10/);
  });

  it('a consumer that never delivers while auditd is healthy violates progress', () => {
    const at = DEMO.indexOf('{', DEMO.indexOf('static int demo_kauditd_thread')) + 1;
    const sleepy = `${DEMO.slice(0, at)}\n\twhile (1)\n\t\tschedule();\n${DEMO.slice(at)}`;
    const r = run(sleepy);
    expect(r.records.delivered).toBe(0);
    expect(r.violations.map((v) => v.invariant)).toContain('progress');
  });

  it('refuses a file whose auditd connection it cannot find: one line, exit 2, never "no invariant violated"', () => {
    // the sends go to a socket no global holds: nothing to connect or disconnect
    const orphan = DEMO.replace(/netlink_unicast\(\s*\w+\s*,/g, 'netlink_unicast(NULL,');
    expect(orphan).not.toBe(DEMO);
    const dir = mkdtempSync(join(tmpdir(), 'auditlens-sim-'));
    const file = join(dir, 'audit.c');
    writeFileSync(file, orphan.replace(/\bauditd_conn\b/g, 'auditd_cookie').replace(/__rcu/g, '').replace(/rcu_dereference\w*\(([^,()]+)(,[^)]*)?\)/g, '$1').replace(/rcu_assign_pointer\((\w+), ([^)]+)\)/g, '$1 = $2').replace(/RCU_INIT_POINTER\((\w+), ([^)]+)\)/g, '$1 = $2'));
    const r = spawnSync(process.execPath, [BIN, 'simulate', file, '--scenario', 'steady'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no auditd connection found .* would not be meaningful/);
  });
});

describe.skipIf(!hasShared)(needsShared('simulation of the real history'), () => {
  for (const name of ['v4.12.c', 'v4.13.4.c', 'v5.10.89.c', 'v6.1.192-debian.c']) {
    it(`${name}: steady delivers every record, with the connection and timeout it found`, () => {
      const r = run(readShared(`${HISTORY}/${name}`));
      expect(r.error).toBeUndefined();
      expect(r.violations).toEqual([]);
      expect(r.records.delivered).toBe(r.records.produced);
      expect(r.coverage!.connection).toEqual({ form: 'rcu-pointer', globals: ['auditd_conn'] });
      expect(r.coverage!.sendTimeout).toMatch(name.startsWith('v4.1') ? /^MAX_SCHEDULE_TIMEOUT/ : /HZ \/ 10/);
    });
  }
});
