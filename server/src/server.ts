/**
 * The AuditLens language server: wiring only. Transport (--stdio or
 * --node-ipc) is picked by createConnection from argv; every feature lives in
 * features/ as a plain function of a FileAnalysis, callable without an editor.
 */
import * as path from 'node:path';
import {
  createConnection,
  DidChangeConfigurationNotification,
  InitializeResult,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Analyser } from './analyser';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { codeActions } from './features/codeActions';
import { WorkingTreeBaseline } from './features/workingTree';
import { PatchReview, patchCodeLenses, patchDiagnostics, patchHover, patchReply, reviewDocument } from './features/patchDocument';
import { codeLenses, patchSimulationLenses } from './features/codeLens';
import { childProcessRunner, COMPARE_COMMAND, compareCommand, inProcessRunner, SIMULATE_COMMAND, SimulationContext, simulateCommand } from './features/simulation';
import { analysisDiagnostics, skippedDiagnostic } from './features/diagnostics';
import { DocumentTracker, TrackedDocument } from './features/documents';
import { hover } from './features/hover';
import { definition, references } from './features/navigation';
import { documentSymbols } from './features/symbols';
import { DEFAULT_SETTINGS, readSettings, ServerSettings } from './settings';

const connection = createConnection(ProposedFeatures.all);
/** Server-side command behind the client's "AuditLens: Draft review reply". */
const DRAFT_REPLY = 'auditlens.server.draftReply';
const documents = new TextDocuments(TextDocument);
let settings: ServerSettings = { ...DEFAULT_SETTINGS };
const analyser = new Analyser();
const tracker = new DocumentTracker(analyser, () => settings);
const workingTree = new WorkingTreeBaseline(analyser);
// In the bundle __dirname is dist/, so the rule pages are <extension>/docs/rules/<RULE>.md.
const rulesDocDir = path.join(__dirname, '..', 'docs', 'rules');
// Simulations run in a child `auditlens` process so a cancel can stop them (see features/simulation.ts).
const cliModule = path.join(__dirname, 'cli.js');
const runSimulation = fs.existsSync(cliModule) ? childProcessRunner(cliModule) : inProcessRunner;
let canPullConfiguration = false;
/** Workspace folders (paths), to find the base of a patch: <folder>/kernel/audit.c. */
let workspaceRoots: string[] = [];
/** The review of each open patch document, per version. */
const patchReviews = new Map<string, PatchReview>();
let canRegisterConfiguration = false;

/** Runs a handler; an exception is logged and answered with `fallback`, never fatal. */
function guard<T>(what: string, fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    logError(what, err);
    return fallback;
  }
}

function logError(what: string, err: unknown): void {
  const detail = err instanceof Error ? err.stack ?? err.message : String(err);
  connection.console.error(`${what} failed: ${detail}`);
}

connection.onInitialize((params): InitializeResult => {
  settings = readSettings(params.initializationOptions, DEFAULT_SETTINGS);
  analyser.options = { rules: settings.rules };
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  workspaceRoots = folders.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
  const workspace = params.capabilities?.workspace; // tolerate a bare `{}` from minimal clients
  canPullConfiguration = !!workspace?.configuration;
  canRegisterConfiguration = !!workspace?.didChangeConfiguration?.dynamicRegistration;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      documentSymbolProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      hoverProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      executeCommandProvider: { commands: [DRAFT_REPLY, SIMULATE_COMMAND, COMPARE_COMMAND] },
    },
    serverInfo: { name: 'auditlens', version: '0.1.0' },
  };
});

connection.onInitialized(() => {
  connection.console.info(`AuditLens server started (node ${process.version}, maxFileSize ${settings.maxFileSize} bytes)`);
  if (canRegisterConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'auditlens' }).catch((err) => logError('registering for configuration changes', err));
  }
  void refreshSettings();
});

/** Takes new settings; open documents are analysed again when something that affects them changed. */
function applySettings(next: ServerSettings): void {
  if (next.maxFileSize === settings.maxFileSize && JSON.stringify(next.rules) === JSON.stringify(settings.rules)) return;
  settings = next;
  analyser.options = { rules: settings.rules };
  connection.console.info(`settings: maxFileSize ${settings.maxFileSize} bytes, rules ${JSON.stringify(settings.rules)}`);
  for (const t of tracker.all()) {
    const doc = documents.get(t.uri);
    if (doc && t.kind === 'audit-c') guard(`re-analysing ${t.uri}`, undefined, () => syncAndPublish(doc));
  }
}

/** Pulls `auditlens.*` when the client supports it. */
async function refreshSettings(): Promise<void> {
  if (!canPullConfiguration) return;
  try {
    const raw: unknown = await connection.workspace.getConfiguration('auditlens');
    applySettings(readSettings(raw, settings));
  } catch (err) {
    logError('reading workspace configuration', err);
  }
}

connection.onDidChangeConfiguration((change) =>
  guard('didChangeConfiguration', undefined, () => {
    // Pushed settings (older clients) apply at once; the pull refreshes and re-analyses.
    const pushed = (change.settings as { auditlens?: unknown } | null)?.auditlens;
    if (pushed) applySettings(readSettings(pushed, settings));
    void refreshSettings();
  }),
);

/** The base a patch applies to: an open kernel/audit.c, else one in a workspace folder. */
function patchBase(): { text: string; path: string } | undefined {
  for (const t of tracker.all()) {
    if (t.kind === 'audit-c' && t.analysis && t.uri.endsWith('/kernel/audit.c')) return { text: t.analysis.parsed.text, path: t.uri };
  }
  for (const root of workspaceRoots) {
    const candidate = path.join(root, 'kernel', 'audit.c');
    try {
      if (fs.statSync(candidate).size <= settings.maxFileSize) return { text: fs.readFileSync(candidate, 'utf8'), path: candidate };
    } catch {
      // no base there: the patch is reviewed from its hunks alone
    }
  }
  return undefined;
}

function reviewAndPublish(doc: TextDocument): void {
  const text = doc.getText();
  if (Buffer.byteLength(text, 'utf8') > settings.maxFileSize) {
    patchReviews.delete(doc.uri);
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: [skippedDiagnostic(text.length, settings.maxFileSize)] });
    return;
  }
  const review = reviewDocument(text, patchBase(), settings.rules);
  patchReviews.set(doc.uri, review);
  const diagnostics = patchDiagnostics(review, (line) => doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '').length, rulesDocDir);
  void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
}

function publish(t: TrackedDocument): void {
  if (t.kind !== 'audit-c') return;
  const diagnostics = t.skipped
    ? [skippedDiagnostic(t.skipped.bytes, t.skipped.limit)]
    : t.analysis
      ? analysisDiagnostics(t.uri, t.analysis, {
        rulesDocDir,
        onError: logError,
        introduced: settings.workingTree && t.uri.startsWith('file:')
          ? (findings) => workingTree.introduced(fileURLToPath(t.uri), t.analysis!.parsed.text, findings)
          : undefined,
      })
      : [];
  void connection.sendDiagnostics({ uri: t.uri, version: t.version, diagnostics });
}

function syncAndPublish(doc: TextDocument): void {
  const { current, previous } = tracker.sync(doc);
  if (current.kind === 'audit-c') {
    publish(current);
    const a = current.analysis;
    if (!previous || previous.kind !== 'audit-c') {
      connection.console.info(
        current.skipped
          ? `${doc.uri}: not analysed, ${current.skipped.bytes} bytes > auditlens.maxFileSize ${current.skipped.limit}`
          : `${doc.uri}: ${a?.outline.functions.length ?? 0} functions, ${a?.parsed.problems.length ?? 0} syntax problems, parsed in ${a?.parsed.ms.toFixed(1)} ms`,
      );
    } else if (a && a.parsed.ms > 250) {
      connection.console.warn(`${doc.uri}: slow reparse, ${a.parsed.ms.toFixed(0)} ms`);
    }
  } else if (current.kind === 'patch') {
    reviewAndPublish(doc);
  } else if (previous?.kind === 'audit-c') {
    // It no longer looks like the audit core: take back what was published.
    void connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
  }
}

// Both open and every (incremental) change: the parse reuses the previous tree.
documents.onDidChangeContent((e) => guard(`analysing ${e.document.uri}`, undefined, () => syncAndPublish(e.document)));

documents.onDidClose((e) =>
  guard(`closing ${e.document.uri}`, undefined, () => {
    patchReviews.delete(e.document.uri);
    const previous = tracker.close(e.document.uri);
    if (previous?.kind === 'patch') void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    if (previous?.kind === 'audit-c') void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  }),
);

connection.onDocumentSymbol((p) =>
  guard('documentSymbol', [], () => {
    const a = tracker.analysisFor(p.textDocument.uri);
    return a ? documentSymbols(a) : [];
  }),
);

connection.onDefinition((p) =>
  guard('definition', [], () => {
    const a = tracker.analysisFor(p.textDocument.uri);
    return a ? definition(a, p.textDocument.uri, p.position) : [];
  }),
);

connection.onReferences((p) =>
  guard('references', [], () => {
    const a = tracker.analysisFor(p.textDocument.uri);
    return a ? references(a, p.textDocument.uri, p.position, p.context.includeDeclaration) : [];
  }),
);

connection.onHover((p) =>
  guard('hover', null, () => {
    const review = patchReviews.get(p.textDocument.uri);
    if (review) {
      const doc = documents.get(p.textDocument.uri);
      return patchHover(review, p.position, (line) => {
        const t = doc?.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }) ?? '';
        return (/^(?:>\s?)*[ +-]?/.exec(t)?.[0].length) ?? 0;
      });
    }
    const a = tracker.analysisFor(p.textDocument.uri);
    return a ? hover(a, p.position, { uri: p.textDocument.uri, onError: logError }) : null;
  }),
);

connection.onCodeLens((p) =>
  guard('codeLens', [], () => {
    const review = patchReviews.get(p.textDocument.uri);
    if (review) return [...patchCodeLenses(review), ...patchSimulationLenses(review, p.textDocument.uri)];
    const a = tracker.analysisFor(p.textDocument.uri);
    return a ? codeLenses(a, p.textDocument.uri) : [];
  }),
);

connection.onCodeAction((p) =>
  guard('codeAction', [], () => {
    const a = tracker.analysisFor(p.textDocument.uri);
    return a ? codeActions(a, p.textDocument.uri, p.range) : [];
  }),
);

connection.onExecuteCommand(async (p, token, workDone) => {
  if (p.command === SIMULATE_COMMAND || p.command === COMPARE_COMMAND) {
    const ctx: SimulationContext = {
      analysisFor: (uri) => tracker.analysisFor(uri),
      reviewFor: (uri) => patchReviews.get(uri),
      run: runSimulation,
      token,
      progress: workDone,
    };
    try {
      return await (p.command === SIMULATE_COMMAND ? simulateCommand(p.arguments, ctx) : compareCommand(p.arguments, ctx));
    } catch (err) {
      if (err instanceof ResponseError) throw err; // the cancel, answered as RequestCancelled
      logError(p.command, err);
      return { error: `internal error: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  return guard(p.command, null, () => {
    if (p.command !== DRAFT_REPLY) return null;
    const uri = String(p.arguments?.[0] ?? '');
    const review = patchReviews.get(uri);
    return review ? patchReply(review) : null;
  });
});

documents.listen(connection);
connection.listen();
