/**
 * `kcsan --format sarif`: one result per race (rule KCSAN-race), located at
 * the base's first mapped access (else at the report's title line), with the
 * other accesses as related locations; level from the verdict (harmful and
 * unknown: warning; benign: note). Reports that are not races are tool
 * notifications, as is the lack of a base.
 */
import { createHash } from 'node:crypto';
import type { Race, Triage } from '../kcsan/triage';
import { VERSION } from './commands';
import { artifactLocation, INFORMATION_URI, SARIF_SCHEMA, SarifLog, SarifResult, SRCROOT } from './sarif';
import { pathToFileURL } from 'node:url';

const RULE_ID = 'KCSAN-race';

export function kcsanSarif(t: Triage, reportPath: string, basePath: string | undefined, srcRoot = process.cwd()): SarifLog {
  const base = basePath ? artifactLocation(basePath, srcRoot) : undefined;
  const report = artifactLocation(reportPath, srcRoot);
  const results = t.races.map((r): SarifResult => {
    const mapped = r.accesses.filter((a) => a.mapped && a.line !== undefined);
    const [first, ...rest] = mapped;
    const at = base && first ? { artifactLocation: base, region: { startLine: first.line! } } : { artifactLocation: report, region: { startLine: r.reportLine } };
    return {
      ruleId: RULE_ID,
      ruleIndex: 0,
      level: r.verdict === 'benign' ? 'note' : 'warning',
      message: { text: `Data race on ${r.variable}: ${r.fixedInBase ? 'already fixed in the base' : r.verdict}. ${r.reason}.${r.fix ? ` Fix: ${r.fix}.` : ''}` },
      locations: [{ physicalLocation: at, ...(first ? { logicalLocations: [{ name: first.function, kind: 'function' }] } : {}) }],
      relatedLocations: [
        ...(base ? rest.map((a, i) => ({ id: i + 1, physicalLocation: { artifactLocation: base, region: { startLine: a.line! } }, message: { text: `${a.kind} in ${a.function}()` } })) : []),
        { id: rest.length + 1, physicalLocation: { artifactLocation: report, region: { startLine: r.reportLine } }, message: { text: 'the KCSAN report' } },
      ],
      partialFingerprints: { 'auditlensKcsan/v1': fingerprint(r) },
    };
  });
  const notifications = [
    ...t.others.map((o) => ({ level: 'note' as const, message: { text: `not a data race (${o.kind}): ${o.title}` } })),
    ...t.notes.map((n) => ({ level: 'note' as const, message: { text: n } })),
  ];
  const root = pathToFileURL(srcRoot).href;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'AuditLens', informationUri: INFORMATION_URI, version: VERSION, semanticVersion: VERSION,
          rules: [{
            id: RULE_ID, name: 'kcsan-race',
            shortDescription: { text: 'A data race KCSAN reported, triaged against kernel/audit.c.' },
            fullDescription: { text: 'Each access of the report mapped to the base file with its locks, RCU state and contexts; the verdict is the AL206 engine\'s: benign, harmful, or unknown when the model cannot tell.' },
            help: { text: 'Run `auditlens kcsan REPORT --base kernel/audit.c` for the reasoning; a harmful race needs the lock its writers hold, a benign one READ_ONCE()/WRITE_ONCE() to document it.' },
            helpUri: `${INFORMATION_URI}#kcsan`,
            defaultConfiguration: { level: 'warning' },
          }],
        },
      },
      invocations: [{ executionSuccessful: true, ...(notifications.length ? { toolExecutionNotifications: notifications } : {}) }],
      originalUriBaseIds: { [SRCROOT]: { uri: root.endsWith('/') ? root : `${root}/` } },
      columnKind: 'utf16CodeUnits',
      results,
    }],
  };
}

function fingerprint(r: Race): string {
  return createHash('sha256').update([r.variable, ...r.accesses.map((a) => `${a.kind}:${a.function}`)].join('\0')).digest('hex').slice(0, 32);
}
