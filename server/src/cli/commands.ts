/**
 * The subcommands and their help. Commands that later issues implement are
 * listed here as not implemented: they refuse to run (exit 2) and stay out of
 * the usage text until they work.
 */
import { version } from '../../../package.json';
import { SCENARIOS } from '../simulate/types';

export const VERSION: string = version;

export interface CommandInfo {
  implemented: boolean;
  /** What the command is for, in the usage text. */
  summary: string;
}

export const COMMANDS: Record<string, CommandInfo> = {
  check: { implemented: true, summary: 'parse C files and report functions and findings' },
  review: { implemented: true, summary: 'review a patch, patch email or mbox: what it introduces, fixes and changes' },
  simulate: { implemented: true, summary: 'run a queue scenario on a C file and check the queue invariants' },
  kcsan: { implemented: true, summary: 'triage a KCSAN report against kernel/audit.c' },
  explain: { implemented: true, summary: 'explain a function, queue, lock or variable (the hover text)' },
};

export function notImplemented(command: string): string {
  return `auditlens: ${command} is not implemented yet`;
}

function comingLater(): string {
  const later = Object.keys(COMMANDS).filter((c) => !COMMANDS[c].implemented);
  return later.length ? `Coming later: ${later.join(', ')}.\n\n` : '';
}

export const USAGE = `auditlens ${VERSION}: queue-model checks for the Linux kernel's kernel/audit.c

Usage:
  auditlens check [options] FILE.c...   ${COMMANDS.check.summary}
  auditlens explain FILE.c SYMBOL       ${COMMANDS.explain.summary}
  auditlens review PATCH [--base FILE.c]
                                        ${COMMANDS.review.summary}
  auditlens simulate FILE.c --scenario NAME
                                        ${COMMANDS.simulate.summary}
  auditlens kcsan REPORT [--base FILE.c]
                                        ${COMMANDS.kcsan.summary}
  auditlens help [COMMAND]              show this help, or a command's
  auditlens --version                   print the version

${comingLater()}Exit status: 0 when nothing at warning or above was found, 1 when something
was, 2 on bad usage or unusable input (one line on stderr says why).
`;

export const CHECK_USAGE = `Usage: auditlens check [options] FILE.c...

Parses each file with tree-sitter-c (kernel annotations and macros are
understood), lists its functions and reports findings. Files that cannot be
checked (missing, directories, binary, too large, patches, not C) are
reported on stderr; the others are still checked, and the exit status is 2.

Options:
  --format text|json|sarif
                       output format (default text); json is the stable
                       contract { "version": 1, "files": [...] }; sarif is
                       SARIF 2.1.0 for GitHub code scanning and other viewers
  --verbose, -v        text: also list each function with its lines and roles
  --max-size BYTES     refuse larger files (default 8M; K, M, G suffixes)
  --exit-zero          exit 0 even when findings at warning or above exist
                       (unusable input still exits 2)
  --rule RULE=SETTING  turn a rule off or change its severity (off, error,
                       warning, information, default); repeatable, or
                       comma-separated: --rule AC301=off,AQ109=warning
  --config FILE        read this configuration instead of the nearest
                       .auditlens.json / auditlens.config.json above each file
  --no-config          ignore configuration files
  --write-baseline FILE
                       record every finding of this run in FILE (by a
                       position-independent fingerprint) and exit 0
  --baseline FILE      report only findings not in FILE; the exit status
                       counts only those; SARIF marks each result's
                       baselineState new, unchanged or absent
  --help, -h           show this help

Configuration (.auditlens.json, found by walking up from each file):
  { "rules": { "AC301": "off" }, "patch": { "base": "kernel/audit.c" },
    "simulate": { "scenario": "auditd-stopped", "records": 2000 },
    "reply": { "footnote": true } }
--rule flags override the file; the editor's auditlens.* settings override
it for the editor.
`;

export const KCSAN_USAGE = `Usage: auditlens kcsan [options] REPORT

Reads KCSAN data-race reports - a syzbot page, a console or dmesg log, a
report quoted in an email, wrapped or unindented - maps each access to the
function and line of kernel/audit.c with the locks, RCU state and contexts
the queue model gives it, names the raced variable, and gives a verdict with
its reason (the same reasoning as rule AL206): benign, harmful, or unknown
when the model cannot tell. Other kernel reports (RCU stalls, NULL
dereferences, lockdep, KMSAN, panics) are named, with their audit.c frames
and the role of each function; they claim no race. REPORT may be - for
standard input.

Options:
  --base FILE.c        the kernel/audit.c to map to (default: kernel/audit.c
                       in the working directory or a parent, else none)
  --format text|json|sarif
                       output format (default text); json is the contract
                       { "version": 1, "races": [ { "variable", "accesses",
                       "verdict", "reason" } ], "others", "notes" }; sarif is
                       SARIF 2.1.0, one result per race at the base's line
  --max-size BYTES     refuse larger files (default 8M; K, M, G suffixes)
  --help, -h           show this help

Exit status: 0 when every race is benign or already fixed in the base (or
the report is not a data race), 1 when one is harmful or unknown, 2 on
unusable input.
`;

export const EXPLAIN_USAGE = `Usage: auditlens explain [options] FILE.c SYMBOL

Prints what the queue model of FILE.c says about SYMBOL, as the editor's
hover shows it (Markdown): a function (roles, queue operations and bounds,
locks, may-sleep, contexts, callers and hook bindings, a drain's routing),
a backlog queue, a lock, the RCU connection pointer, a config word, a field
path such as audit_cmd_mutex.owner, or an errno such as EAGAIN (how the
drains route it). Exits 2 when FILE.c is unusable or SYMBOL is unknown.

Options:
  --format text|json   output format (default text: the Markdown); json is
                       { "version": 1, "symbol", "markdown" }
  --max-size BYTES     refuse larger files (default 8M; K, M, G suffixes)
  --help, -h           show this help
`;

export const REVIEW_USAGE = `Usage: auditlens review [options] PATCH

Reads a unified diff, a git format-patch email, an mbox series or a reply
quoting a patch (archived emails that lost blank lines and lone braces are
recovered where possible, and reported), analyses the code before and after
the patch, and reports each finding as introduced, fixed or unchanged, with
what the patch changes in the queue model. With --base the hunks are applied
to that file (in reverse when it already contains the patch); without it the
touched functions are rebuilt from the hunks alone.

Options:
  --base FILE.c        the file the patch applies to (e.g. kernel/audit.c;
                       default: "patch.base" of the configuration)
  --format text|json   output format (default text); json is the stable
                       contract { "version": 1, "patch": {...}, "findings": [...] }
  --reply              print a drafted reply instead: a mail To the author,
                       Cc the original recipients, threaded, 72 columns;
                       what it could not fill in is said on stderr
  --eml FILE           write the drafted reply to FILE for git send-email
  --from ADDR          the reviewer for From (default: git's user.name and
                       user.email)
  --reviewed-by        end the reply with Reviewed-by: when the review is
                       clean (applies to the base, nothing introduced)
  --no-footnote        leave out the "AuditLens: fixes AQ103" footnote
  --rule RULE=SETTING  turn a rule off or change its severity; repeatable
  --config FILE        read this configuration instead of the nearest
                       .auditlens.json above the patch (or the working
                       directory)
  --no-config          ignore configuration files
  --max-size BYTES     refuse larger inputs (default 8M; K, M, G suffixes)
  --exit-zero          exit 0 even when the patch introduces findings at
                       warning or above (unusable input still exits 2)
  --help, -h           show this help
`;

export const SIMULATE_USAGE = `Usage: auditlens simulate [options] FILE.c --scenario NAME
       auditlens simulate [options] FILE.c --finding RULE@FUNCTION

Runs the queue code of FILE.c (its consumer, drains and requeue paths, with
the kernel calls around them modelled) under a scenario, and checks the
queue invariants: ordering (hold, then retry, then main), bounded (no queue
past audit_backlog_limit), termination (no drain livelock) and accounting
(every record delivered, queued or counted lost; none silently dropped).
Exits 1 when an invariant is violated, and prints the trace that shows it.
FILE.c may be - to read the source from standard input.

Scenarios: ${SCENARIOS.join(', ')}

Options:
  --scenario NAME      the scenario to run (required)
  --records N          records the producers create (default 2000)
  --backlog-limit N    audit_backlog_limit for the run, 0 for none (default:
                       the file's initialiser, else 64)
  --seed S             seed for the scenario's random choices (default 1)
  --duration TICKS     how long the trouble lasts, in ticks of the modelled
                       clock (default: 60 for auditd-down and auditd-restart,
                       200 for auditd-stopped, 120 for eagain-burst)
  --failure-rate P     eagain-burst: chance from 0 to 1 that a burst of
                       -EAGAIN starts in a tick (default 0.15)
  --ending resumes|killed
                       auditd-stopped: the stopped auditd reads again
                       (default), or is killed and a new one registers
  --bypass             producers hold audit_cmd_mutex (as the netlink input
                       does for AUDIT_USER messages), so the backlog wait lets
                       them through: the growth its exemption allows
  --explore            enumerate the scenario's choices (record counts, trouble
                       durations, burst seeds and rates) smallest first, up to
                       240 runs, and report the first counterexample; sizes
                       scale with the backlog limit and the send timeout
  --finding RULE@FN    show a queue finding (AQ101-AQ105) of FILE.c: explore
                       the scenarios that can break its invariant, in turn,
                       and print the run that does (exit 1), or say that the
                       simulator could not show it and what it tried (exit 0)
  --format text|json   output format (default text); json is the stable
                       contract { "version": 1, "scenario", "records", ... }
  --progress           print "progress FRACTION" lines on stderr while running
                       (for editors)
  --max-size BYTES     refuse larger files (default 8M; K, M, G suffixes)
  --config FILE        read this configuration instead of the nearest
                       .auditlens.json above FILE.c; its "simulate" section
                       gives defaults for --scenario, --records,
                       --backlog-limit and --seed
  --no-config          ignore configuration files
  --rule RULE=SETTING  rule settings for --finding; repeatable
  --help, -h           show this help
`;
