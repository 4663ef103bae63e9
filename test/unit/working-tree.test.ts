/**
 * Working-tree mode on a real git repository made in a temp folder: the
 * committed version is read with git, and only findings the uncommitted
 * change introduced are marked.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { analysisDiagnostics } from '../../server/src/features/diagnostics';
import { WorkingTreeBaseline } from '../../server/src/features/workingTree';
import { versionFixture } from '../model/helpers';
import { hasGit } from '../shared';


describe.skipIf(!hasGit)('working-tree mode', () => {
  it('marks the findings an uncommitted change introduced, and only those, once git has answered', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'auditlens-wt-'));
    mkdirSync(join(repo, 'kernel'));
    const file = join(repo, 'kernel', 'audit.c');
    const committed = versionFixture('v2022');
    writeFileSync(file, committed);
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'base');
    // the uncommitted change: the rehold hook back at the head (the pre-2022 livelock)
    const edited = committed.replace('skb_queue_tail(&audit_hold_queue, skb);\n}', 'skb_queue_head(&audit_hold_queue, skb);\n}');
    expect(edited).not.toBe(committed);
    const analyser = new Analyser();
    const analysis = analyser.analyseText(edited);
    const arrived: string[] = [];
    const baseline = new WorkingTreeBaseline(analyser, (f) => arrived.push(f));
    // git runs off the keystroke path: the first answer marks nothing and starts reading HEAD
    expect(baseline.introduced(file, edited, analysis.findings).size).toBe(0);
    await baseline.refresh(file);
    expect(arrived).toEqual([file]);
    const diags = analysisDiagnostics('file://' + file, analysis, { introduced: (f) => baseline.introduced(file, edited, f) });
    const marked = diags.filter((d) => String(d.message).startsWith('Introduced by your uncommitted change: ')).map((d) => d.code);
    expect(marked).toEqual(['AQ103']);
    // the benign race was there before: not marked
    expect(diags.some((d) => d.code === 'AL206' && !String(d.message).startsWith('Introduced'))).toBe(true);
    // the committed text itself: nothing is new
    expect(baseline.introduced(file, committed, analyser.analyseText(committed).findings).size).toBe(0);
  });

  it('says nothing outside a repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auditlens-nogit-'));
    const file = join(dir, 'audit.c');
    writeFileSync(file, 'int x;\n');
    expect(await WorkingTreeBaseline.headText(file)).toBeUndefined();
  });
});
