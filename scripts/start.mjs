// `npm start`: the three things AuditLens does, on the project's own example,
// each under a heading that says what it shows, then what to try next.
// Exit status: 0 when every command ran (findings are the point of the demo),
// else the first failure's.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join('bin', 'auditlens.js');

const STEPS = [
  {
    title: 'check: the example\'s functions, their roles in the queue model, and the findings',
    args: ['check', '--verbose', '--exit-zero', 'examples/kauditd-demo.c'],
    after: 'Each function with its role in the queue model and its queue operations; findings, if any, follow.',
  },
  {
    title: 'review: a patch that removes the retry queue\'s bound, against that file',
    args: ['review', '--exit-zero', 'examples/unbounded-retry.patch', '--base', 'examples/kauditd-demo.c'],
    after: 'Each finding is introduced, fixed or unchanged, on the patch line it maps to; `--reply` drafts the mail to the author.',
  },
  {
    title: 'simulate: the example\'s own queue code with auditd stopped for a while',
    args: ['simulate', 'examples/kauditd-demo.c', '--scenario', 'auditd-stopped'],
    after: 'Records counted lost are the bounded backlog at work; "dropped" (uncounted) or VIOLATED would be bugs. Add --explore to search for one.',
  },
];

const rule = '─'.repeat(72);
let status = 0;
STEPS.forEach((step, i) => {
  process.stdout.write(`\n${rule}\n${i + 1}/${STEPS.length}  ${step.title}\n$ auditlens ${step.args.join(' ')}\n${rule}\n`);
  const r = spawnSync(process.execPath, [BIN, ...step.args], { cwd: ROOT, stdio: 'inherit' });
  const code = r.status ?? 1;
  // simulate exits 1 on a violation: the demo has none, so any non-zero status is a failure here
  if (code !== 0 && status === 0) status = code;
  process.stdout.write(`→ ${step.after}\n`);
});

process.stdout.write(`
${rule}
Next, on your own tree (npx auditlens … from a clone, or node bin/auditlens.js …):
  auditlens check kernel/audit.c                     findings in today's file
  auditlens check --write-baseline .auditlens-baseline.json kernel/audit.c
                                                     accept them, then in CI:
  auditlens check --baseline .auditlens-baseline.json --format sarif kernel/audit.c
  auditlens review --reply --base kernel/audit.c 0001-foo.patch
                                                     a drafted reply (--eml FILE for git send-email)
  auditlens simulate kernel/audit.c --finding AQ103@kauditd_rehold_skb
                                                     the run that shows a finding, if one exists
  auditlens kcsan report.txt --base kernel/audit.c   triage a KCSAN report
In VS Code: open kernel/audit.c with the extension (npm run package builds the VSIX).
Settings for CI live in .auditlens.json; see docs/ci.md.
`);
process.exit(status);
