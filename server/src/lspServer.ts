/**
 * The AuditLens language server: wiring only, the same in Node (server.ts) and
 * in a browser worker (serverWeb.ts). What differs between them (disk, git,
 * child processes) comes in a ServerHost; every feature lives in features/ as a
 * plain function of a FileAnalysis, callable without an editor.
 */
import {
  CancellationToken,
  Connection,
  Disposable,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  InitializeResult,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Analyser, FileAnalysis } from './analyser';
import { codeActions } from './features/codeActions';
import { PatchReview, patchCodeLenses, patchDiagnostics, patchHover, patchReply, reviewDocument } from './features/patchDocument';
import { codeLenses, patchSimulationLenses } from './features/codeLens';
import { kcsanCodeActions, kcsanCodeLenses, kcsanDiagnostics, kcsanHover, kcsanLinks, KcsanReview, reviewReport } from './features/kcsanDocument';
import { COMPARE_COMMAND, compareCommand, Runner, SIMULATE_COMMAND, SimulationContext, simulateCommand } from './features/simulation';
import { analysisDiagnostics, skippedDiagnostic } from './features/diagnostics';
import { DocumentTracker, TrackedDocument, uriPath } from './features/documents';
import { hover } from './features/hover';
import { definition, references } from './features/navigation';
import { checkFiles, parseCheckFilesParams } from './features/checkFiles';
import { modelSummaryReply } from './features/modelSummaryText';
import { findPatchBase, readBaseFileSetting } from './features/patchBase';
import { CHECK_FILES_REQUEST, DocumentParams, MODEL_SUMMARY_REQUEST, ModelSummaryReply, STATUS_NOTIFICATION, STATUS_REQUEST, StatusNotification, TRUST_NOTIFICATION } from './features/requests';
import { documentStatus, FAILED_STATUS } from './features/status';
import { documentSymbols } from './features/symbols';
import { configDiagnostics, ProjectConfigs } from './features/projectConfigs';
import { CONFIG_NAMES, type ConfigFs } from './config/projectConfig';
import { DEFAULT_SETTINGS, readSettings, ServerSettings } from './settings';
import type { Finding } from './rules/finding';
import { parserEngine } from './parse/engine';
import { utf8Length } from './parse/utf8';
import { commandArguments, NOTIFICATION_PARAMS, PARAMS, paramsProblem, type Shape } from './features/params';

/** What the server gets from where it runs. */
export interface ServerHost {
  /** For the start-up log line: `node v20.x`, `browser worker`. */
  readonly platform: string;
  /** Directory (or URL ending in /) of the rule pages that diagnostics link to; none: no link. */
  readonly rulesDocDir: string | undefined;
  readonly runSimulation: Runner;
  /** A file: URI to a local path; undefined where there is no disk (the web). */
  pathOf(uri: string): string | undefined;
  /** Reads a C file as `auditlens check` would (patch bases); throws with a reason. */
  readSource(filePath: string, maxSize: number): string;
  exists(filePath: string): boolean;
  /** Reads project configuration files (.auditlens.json); absent where there is no disk. */
  readonly configFs?: ConfigFs;
  /** Working-tree mode (git) over the server's analyser; absent where git cannot run. */
  readonly workingTree?: (analyser: Analyser, onBaseline: (filePath: string) => void) => { introduced(filePath: string, text: string, findings: Finding[]): Set<Finding> };
  /** Lets queued messages (a cancel) through between files of a long check. */
  yieldToConnection(): Promise<void>;
}

export function startServer(connection: Connection, host: ServerHost): void {
  /** Server-side command behind the client's "AuditLens: Draft review reply". */
  const DRAFT_REPLY = 'auditlens.server.draftReply';
  const documents = new TextDocuments(TextDocument);
  let settings: ServerSettings = { ...DEFAULT_SETTINGS };
  /** `auditlens.patch.baseFile` (features/patchBase.ts): empty means discover the base. */
  let patchBaseFile = '';
  /**
   * The client's workspace trust. Working-tree mode runs git, whose repository config an untrusted
   * workspace controls: it stays off until the client says the workspace is trusted, whatever the
   * settings say (VS Code's default for auditlens.workingTree is on). Clients that do not say are trusted.
   */
  let trusted = true;
  const analyser = new Analyser();
  /** Each document's .auditlens.json; the editor's settings go over it. */
  const configs = new ProjectConfigs(host.configFs, (uri) => host.pathOf(uri));
  const rulesFor = (uri: string) => configs.rulesFor(uri, settings.rules);
  const tracker = new DocumentTracker(analyser, () => settings, rulesFor);
  // git's answer comes after the first publish: the file's diagnostics are published again with the marks
  const workingTree = host.workingTree?.(analyser, (filePath) =>
    guard('publishing working-tree marks', undefined, () => {
      for (const t of tracker.all()) if (t.kind === 'audit-c' && t.uri.startsWith('file:') && fileURLToPath(t.uri) === filePath) publish(t);
    }),
  );
  const rulesDocDir = host.rulesDocDir;
  const runSimulation = host.runSimulation;
  const fileURLToPath = (uri: string) => host.pathOf(uri) ?? uri;
  let canPullConfiguration = false;
  /** Workspace folders (paths), to find the base of a patch: <folder>/kernel/audit.c. */
  let workspaceRoots: string[] = [];
  /** The review of each open patch document, per version. */
  const patchReviews = new Map<string, PatchReview>();
  /** Open KCSAN reports, triaged against the workspace's kernel/audit.c. */
  const reportReviews = new Map<string, KcsanReview>();
  /** What "Show in simulation" found for findings of an analysis (gone with the analysis). */
  const shownFindings = new WeakMap<FileAnalysis, Map<string, string>>();
  let canRegisterConfiguration = false;
  let canFollowFolders = false;
  let canWatchConfigFiles = false;

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

  /** InvalidParams with what is wrong; the log gets the same line (no stack: nothing failed inside). */
  function invalidParams(method: string, problem: string): ResponseError<void> {
    connection.console.warn(`${method}: invalid params: ${problem}`);
    return new ResponseError(ErrorCodes.InvalidParams, problem);
  }

  /** A request handler that runs only on params of the request's shape (features/params.ts); others are answered InvalidParams. */
  function checked<A extends [unknown, ...unknown[]], R>(method: string, shape: Shape, handle: (...args: A) => R): (...args: A) => R | ResponseError<void> {
    return (...args) => {
      const problem = paramsProblem(shape, args[0]);
      return problem ? invalidParams(method, problem) : handle(...args);
    };
  }

  /**
   * The connection as TextDocuments sees it: the document-sync notifications' handlers run only
   * on params of their shape; others are logged in a line and ignored (a notification has no answer).
   */
  function checkedSync(): Parameters<typeof documents.listen>[0] {
    const wrap = <H extends (p: any, ...rest: any[]) => unknown>(method: string, shape: Shape, register: (h: H) => Disposable) =>
      (handler: H) =>
        register(((p: unknown, ...rest: unknown[]) => {
          const problem = paramsProblem(shape, p);
          if (!problem) return handler(p, ...rest);
          connection.console.warn(`${method}: invalid params, ignored: ${problem}`);
          return []; // (willSaveWaitUntil's "no edits"; the notifications' return is not read)
        }) as H);
    return {
      onDidOpenTextDocument: wrap('textDocument/didOpen', NOTIFICATION_PARAMS.didOpen, (h) => connection.onDidOpenTextDocument(h)),
      onDidChangeTextDocument: wrap('textDocument/didChange', NOTIFICATION_PARAMS.didChange, (h) => connection.onDidChangeTextDocument(h)),
      onDidCloseTextDocument: wrap('textDocument/didClose', NOTIFICATION_PARAMS.didClose, (h) => connection.onDidCloseTextDocument(h)),
      onWillSaveTextDocument: wrap('textDocument/willSave', NOTIFICATION_PARAMS.save, (h) => connection.onWillSaveTextDocument(h)),
      onWillSaveTextDocumentWaitUntil: wrap('textDocument/willSaveWaitUntil', NOTIFICATION_PARAMS.save, (h) => connection.onWillSaveTextDocumentWaitUntil(h)),
      onDidSaveTextDocument: wrap('textDocument/didSave', NOTIFICATION_PARAMS.save, (h) => connection.onDidSaveTextDocument(h)),
    };
  }

  connection.onInitialize((params): InitializeResult => {
    settings = readSettings(params.initializationOptions, DEFAULT_SETTINGS);
    patchBaseFile = readBaseFileSetting(params.initializationOptions, '');
    trusted = (params.initializationOptions as { trusted?: unknown } | undefined)?.trusted !== false;
    analyser.options = { rules: settings.rules };
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    workspaceRoots = folders.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
    const workspace = params.capabilities?.workspace; // tolerate a bare `{}` from minimal clients
    canPullConfiguration = !!workspace?.configuration;
    canRegisterConfiguration = !!workspace?.didChangeConfiguration?.dynamicRegistration;
    canFollowFolders = !!workspace?.workspaceFolders;
    canWatchConfigFiles = !!workspace?.didChangeWatchedFiles?.dynamicRegistration && !!host.configFs;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        documentSymbolProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        documentLinkProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        executeCommandProvider: { commands: [DRAFT_REPLY, SIMULATE_COMMAND, COMPARE_COMMAND] },
        // folders added or removed change where patch bases are looked for
        ...(canFollowFolders ? { workspace: { workspaceFolders: { supported: true, changeNotifications: true } } } : {}),
      },
      serverInfo: { name: 'auditlens', version: '0.1.0' },
      // Which parser this server got: the client shows it in the language status item.
      auditlens: { parser: { engine: parserEngine().name, description: parserEngine().description } },
    };
  });

  connection.onInitialized(() => {
    connection.console.info(`AuditLens server started (${host.platform}, parser: ${parserEngine().description}, maxFileSize ${settings.maxFileSize} bytes)`);
    if (canRegisterConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'auditlens' }).catch((err) => logError('registering for configuration changes', err));
    }
    if (canWatchConfigFiles) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: CONFIG_NAMES.map((name) => ({ globPattern: `**/${name}` })) })
        .catch((err) => logError('watching configuration files', err));
    }
    void refreshSettings();
    if (canFollowFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((e) =>
        guard('didChangeWorkspaceFolders', undefined, () => {
          const paths = (folders: { uri: string }[]) => folders.filter((f) => f.uri.startsWith('file:')).map((f) => fileURLToPath(f.uri));
          const removed = new Set(paths(e.removed));
          workspaceRoots = [...workspaceRoots.filter((r) => !removed.has(r)), ...paths(e.added)];
          for (const t of tracker.all()) {
            const doc = documents.get(t.uri);
            if (doc && t.kind === 'patch') guard(`re-reviewing ${t.uri}`, undefined, () => reviewAndPublish(doc));
          }
        }),
      );
    }
  });

  /** Takes new settings; open documents are analysed (patches reviewed) again when something that affects them changed. */
  function applySettings(next: ServerSettings, nextBaseFile: string): void {
    const rules = JSON.stringify(next.rules) !== JSON.stringify(settings.rules);
    const size = next.maxFileSize !== settings.maxFileSize;
    const tree = next.workingTree !== settings.workingTree;
    const base = nextBaseFile !== patchBaseFile;
    if (!rules && !size && !tree && !base) return;
    settings = next;
    patchBaseFile = nextBaseFile;
    analyser.options = { rules: settings.rules };
    connection.console.info(`settings: maxFileSize ${settings.maxFileSize} bytes, rules ${JSON.stringify(settings.rules)}, workingTree ${settings.workingTree}, patch.baseFile ${JSON.stringify(patchBaseFile)}`);
    reanalyse(rules || size || tree, rules || size || base);
  }

  /** Analyses open C documents and reviews open patches again. C documents first: a patch may be reviewed against one of them. */
  function reanalyse(cFiles: boolean, patches: boolean): void {
    for (const t of tracker.all()) {
      const doc = documents.get(t.uri);
      if (doc && t.kind === 'audit-c' && cFiles) guard(`re-analysing ${t.uri}`, undefined, () => syncAndPublish(doc));
    }
    for (const t of tracker.all()) {
      const doc = documents.get(t.uri);
      if (doc && t.kind === 'patch' && patches) guard(`re-reviewing ${t.uri}`, undefined, () => reviewAndPublish(doc));
    }
  }

  // A .auditlens.json was created, changed or deleted: what it says applies to every open document.
  connection.onDidChangeWatchedFiles((p) =>
    guard('didChangeWatchedFiles', undefined, () => {
      if (!p.changes.some((c) => (CONFIG_NAMES as readonly string[]).includes(c.uri.slice(c.uri.lastIndexOf('/') + 1)))) return;
      configs.clear();
      connection.console.info('project configuration changed: analysing open documents again');
      reanalyse(true, true);
      publishConfigProblems();
    }),
  );

  /** Problems in configuration files, as diagnostics on them. */
  function publishConfigProblems(): void {
    for (const d of configs.pendingDiagnostics()) void connection.sendDiagnostics(d);
  }

  /** Pulls `auditlens.*` when the client supports it. */
  async function refreshSettings(): Promise<void> {
    if (!canPullConfiguration) return;
    try {
      const raw: unknown = await connection.workspace.getConfiguration('auditlens');
      applySettings(readSettings(raw, settings), readBaseFileSetting(raw, patchBaseFile));
    } catch (err) {
      logError('reading workspace configuration', err);
    }
  }

  connection.onNotification(TRUST_NOTIFICATION, (p: { trusted?: unknown }) =>
    guard('workspaceTrust', undefined, () => {
      if (p?.trusted !== true || trusted) return;
      trusted = true;
      connection.console.info('workspace trusted: working-tree mode may run git now');
      if (!settings.workingTree) return;
      for (const t of tracker.all()) {
        const doc = documents.get(t.uri);
        if (doc && t.kind === 'audit-c') guard(`re-analysing ${t.uri}`, undefined, () => syncAndPublish(doc));
      }
    }),
  );

  connection.onDidChangeConfiguration((change) =>
    guard('didChangeConfiguration', undefined, () => {
      // Pushed settings (older clients) apply at once; the pull refreshes and re-analyses.
      const pushed = (change.settings as { auditlens?: unknown } | null)?.auditlens;
      if (pushed) applySettings(readSettings(pushed, settings), readBaseFileSetting(pushed, patchBaseFile));
      void refreshSettings();
    }),
  );

  /** One line of a document, without its line break. */
  function lineText(doc: TextDocument | undefined, line: number): string {
    return doc?.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '') ?? '';
  }

  /** A patch or report over auditlens.maxFileSize: forget its review and say it was skipped. */
  function skippedForSize(doc: TextDocument, text: string, reviews: Map<string, unknown>): boolean {
    if (utf8Length(text) <= settings.maxFileSize) return false;
    reviews.delete(doc.uri);
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: [skippedDiagnostic(text.length, settings.maxFileSize)] });
    return true;
  }

  /** The last base analysed for a report that was not an open document (read from disk): reused while its text is the same. */
  let reportBase: FileAnalysis | undefined;

  /** The file a patch applies to: auditlens.patch.baseFile, else its .auditlens.json's patch.base, else discovered (features/patchBase.ts). */
  function patchBase(patchText: string, uri?: string) {
    return findPatchBase(patchText, {
      // a workspace's own .auditlens.json may not point outside it until the workspace is trusted
      setting: patchBaseFile || (uri && trusted ? configs.forUri(uri).patchBase ?? '' : ''),
      roots: workspaceRoots,
      maxFileSize: settings.maxFileSize,
      open: tracker.all().flatMap((t) => (t.kind === 'audit-c' && t.analysis ? [{ uri: t.uri, text: t.analysis.parsed.text }] : [])),
      read: (p, max) => host.readSource(p, max),
      exists: (p) => host.exists(p),
    });
  }

  /** Tells the client what a document's status is now (its language status item shows it). */
  function sendStatus(uri: string): void {
    const tracked = tracker.get(uri);
    const status = guard(`status of ${uri}`, { ...FAILED_STATUS, version: tracked?.version }, () => documentStatus(tracked, patchReviews.get(uri), reportReviews.get(uri)));
    const notification: StatusNotification = { uri, status };
    void connection.sendNotification(STATUS_NOTIFICATION, notification);
  }

  /** Triages a KCSAN report document against the base a patch would get, and publishes the verdicts. */
  function triageAndPublish(doc: TextDocument): void {
    const text = doc.getText();
    if (skippedForSize(doc, text, reportReviews)) return;
    const { base, problem } = patchBase('');
    let analysis: FileAnalysis | undefined;
    if (base) {
      analysis = tracker.all().find((t) => t.analysis && t.analysis.parsed.text === base.text)?.analysis;
      if (!analysis) analysis = reportBase?.parsed.text === base.text ? reportBase : (reportBase = analyser.analyseText(base.text));
    }
    const review = reviewReport(text, base && analysis ? { analysis, path: base.path, origin: base.origin } : undefined, problem);
    reportReviews.set(doc.uri, review);
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: kcsanDiagnostics(review, (line) => lineText(doc, line).length) });
    // the base's AL206 diagnostics name the reports that report their races
    const baseDoc = base?.origin === 'open document' ? tracker.all().find((t) => t.kind === 'audit-c' && uriPath(t.uri) === base.path) : undefined;
    if (baseDoc) publish(baseDoc);
  }

  function reviewAndPublish(doc: TextDocument): void {
    try {
      reviewPatchDocument(doc);
    } finally {
      sendStatus(doc.uri);
    }
  }

  function reviewPatchDocument(doc: TextDocument): void {
    const text = doc.getText();
    if (skippedForSize(doc, text, patchReviews)) return;
    const { base, problem } = patchBase(text, doc.uri);
    const review = reviewDocument(text, base, rulesFor(doc.uri), problem);
    patchReviews.set(doc.uri, review);
    const diagnostics = patchDiagnostics(review, (line) => lineText(doc, line).length, rulesDocDir, doc.uri);
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  }

  /** Diagnostics of an audit C analysis, with working-tree marks where that mode is on. */
  function auditDiagnostics(uri: string, analysis: FileAnalysis) {
    return analysisDiagnostics(uri, analysis, {
      rulesDocDir,
      onError: logError,
      introduced: workingTree && settings.workingTree && trusted && uri.startsWith('file:')
        ? (findings) => workingTree.introduced(fileURLToPath(uri), analysis.parsed.text, findings)
        : undefined,
      simulated: (f) => shownFindings.get(analysis)?.get(`${f.rule}@${f.function}`),
      reportedBy: (f) => reportsOf(uri, f),
    });
  }

  /** The open KCSAN reports triaged against this file that report the race of an AL206 finding. */
  function reportsOf(uri: string, f: Finding): string | undefined {
    if (f.rule !== 'AL206') return undefined;
    const variable = f.anchor.split('|').pop();
    const seen: string[] = [];
    for (const [reportUri, review] of reportReviews) {
      if (!review.base || review.base.path !== uriPath(uri)) continue;
      for (const r of review.triage?.races ?? []) if (r.variable === variable) seen.push(`${reportUri.split('/').pop()} (line ${r.reportLine}, ${r.verdict})`);
    }
    return seen.length ? `reported in ${seen.join(', ')}` : undefined;
  }

  function publish(t: TrackedDocument): void {
    if (t.kind !== 'audit-c') return;
    const diagnostics = t.skipped
      ? [skippedDiagnostic(t.skipped.bytes, t.skipped.limit)]
      : t.analysis
        ? auditDiagnostics(t.uri, t.analysis)
        : [];
    void connection.sendDiagnostics({ uri: t.uri, version: t.version, diagnostics });
  }

  function syncAndPublish(doc: TextDocument): void {
    const { current, previous } = tracker.sync(doc);
    publishConfigProblems();
    if (current.kind === 'audit-c') {
      publish(current);
      // A patch opened before its base was reviewed from its hunks alone: now there may be a base.
      if (previous?.kind !== 'audit-c') {
        for (const [uri, review] of patchReviews) {
          const patch = review.base ? undefined : documents.get(uri);
          if (patch) guard(`re-reviewing ${uri}`, undefined, () => reviewAndPublish(patch));
        }
      }
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
    } else if (current.kind === 'kcsan') {
      triageAndPublish(doc);
    } else if (previous?.kind === 'audit-c') {
      // It no longer looks like the audit core: take back what was published.
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
    }
    if (current.kind !== 'patch') sendStatus(doc.uri); // (a patch's is sent after its review)
  }

  // Both open and every (incremental) change: the parse reuses the previous tree.
  documents.onDidChangeContent((e) => guard(`analysing ${e.document.uri}`, undefined, () => syncAndPublish(e.document)));

  documents.onDidClose((e) =>
    guard(`closing ${e.document.uri}`, undefined, () => {
      patchReviews.delete(e.document.uri);
      reportReviews.delete(e.document.uri);
      const previous = tracker.close(e.document.uri);
      // audit C files, patches and reports had diagnostics published: take them back
      if (previous && previous.kind !== 'ignored') void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    }),
  );

  connection.onDocumentSymbol(checked('textDocument/documentSymbol', PARAMS.textDocument, (p) =>
    guard('documentSymbol', [], () => {
      const a = tracker.analysisFor(p.textDocument.uri);
      return a ? documentSymbols(a) : [];
    }),
  ));

  connection.onDefinition(checked('textDocument/definition', PARAMS.textDocumentPosition, (p) =>
    guard('definition', [], () => {
      const a = tracker.analysisFor(p.textDocument.uri);
      return a ? definition(a, p.textDocument.uri, p.position) : [];
    }),
  ));

  connection.onReferences(checked('textDocument/references', PARAMS.references, (p) =>
    guard('references', [], () => {
      const a = tracker.analysisFor(p.textDocument.uri);
      return a ? references(a, p.textDocument.uri, p.position, p.context.includeDeclaration) : [];
    }),
  ));

  /** One line of an open document, by URI. */
  const lineOf = (uri: string) => (line: number) => lineText(documents.get(uri), line);

  connection.onDocumentLinks(checked('textDocument/documentLink', PARAMS.textDocument, (p) =>
    guard('documentLinks', [], () => {
      const report = reportReviews.get(p.textDocument.uri);
      return report ? kcsanLinks(report, lineOf(p.textDocument.uri)) : [];
    }),
  ));

  connection.onHover(checked('textDocument/hover', PARAMS.textDocumentPosition, (p) =>
    guard('hover', null, () => {
      const report = reportReviews.get(p.textDocument.uri);
      if (report) return kcsanHover(report, p.position, lineOf(p.textDocument.uri));
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
  ));

  connection.onCodeLens(checked('textDocument/codeLens', PARAMS.textDocument, (p) =>
    guard('codeLens', [], () => {
      const report = reportReviews.get(p.textDocument.uri);
      if (report) return kcsanCodeLenses(report);
      const review = patchReviews.get(p.textDocument.uri);
      if (review) return [...patchCodeLenses(review), ...patchSimulationLenses(review, p.textDocument.uri)];
      const a = tracker.analysisFor(p.textDocument.uri);
      return a ? codeLenses(a, p.textDocument.uri) : [];
    }),
  ));

  connection.onCodeAction(checked('textDocument/codeAction', PARAMS.codeAction, (p) =>
    guard('codeAction', [], () => {
      const report = reportReviews.get(p.textDocument.uri);
      if (report) return kcsanCodeActions(report, p.range);
      const a = tracker.analysisFor(p.textDocument.uri);
      return a ? codeActions(a, p.textDocument.uri, p.range) : [];
    }),
  ));

  connection.onExecuteCommand(checked('workspace/executeCommand', PARAMS.executeCommand, async (p, token, workDone) => {
    const args = commandArguments(p.command, { draftReply: DRAFT_REPLY, simulate: SIMULATE_COMMAND, compare: COMPARE_COMMAND });
    if (!args) return invalidParams('workspace/executeCommand', `params.command: no command ${JSON.stringify(p.command)} (the server's: ${[DRAFT_REPLY, SIMULATE_COMMAND, COMPARE_COMMAND].join(', ')})`);
    const problem = paramsProblem(args, p.arguments)?.replace(/^params/, 'params.arguments');
    if (problem) return invalidParams('workspace/executeCommand', problem);
    if (p.command === SIMULATE_COMMAND || p.command === COMPARE_COMMAND) {
      const ctx: SimulationContext = {
        analysisFor: (uri) => tracker.analysisFor(uri),
        reviewFor: (uri) => patchReviews.get(uri),
        run: runSimulation,
        token,
        progress: workDone,
        findingShown: (analysis, spec, summary) => {
          (shownFindings.get(analysis) ?? shownFindings.set(analysis, new Map()).get(analysis)!).set(spec, summary);
          // the finding's diagnostic (its hover in the editor) now says what the simulator showed
          const uri = p.arguments?.[0];
          const t = typeof uri === 'string' ? tracker.get(uri) : undefined;
          if (t?.analysis === analysis) publish(t);
        },
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
      const uri = String(p.arguments![0]);
      const review = patchReviews.get(uri);
      return review ? patchReply(review, { footnote: configs.forUri(uri).replyFootnote }) : null;
    });
  }));

  // The status is pushed after each analysis (sendStatus); the client asks only for a document it has none of.
  connection.onRequest(STATUS_REQUEST, checked(STATUS_REQUEST, PARAMS.document, (p: DocumentParams) =>
    guard('status', { ...FAILED_STATUS }, () => documentStatus(tracker.get(p.uri), patchReviews.get(p.uri), reportReviews.get(p.uri))),
  ));

  connection.onRequest<ModelSummaryReply, void>(MODEL_SUMMARY_REQUEST, checked(MODEL_SUMMARY_REQUEST, PARAMS.document, (p: DocumentParams) =>
    guard<ModelSummaryReply>('modelSummary', { error: 'internal error (see the AuditLens output)' }, () => modelSummaryReply(tracker.get(p.uri), p.uri)),
  ));

  connection.onRequest(CHECK_FILES_REQUEST, async (raw: unknown, token: CancellationToken) => {
    const params = parseCheckFilesParams(raw);
    if ('error' in params) return invalidParams(CHECK_FILES_REQUEST, params.error);
    const reporter = connection.window.attachWorkDoneProgress((raw as { workDoneToken?: string | number }).workDoneToken);
    const result = await checkFiles(params, {
      analyser,
      maxFileSize: settings.maxFileSize,
      roots: workspaceRoots,
      openDocument: (uri) => tracker.get(uri),
      openAuditDocuments: () => tracker.all().filter((t) => t.kind === 'audit-c').map((t) => t.uri),
      // Not versioned: the file is not open; opening it replaces these with the editor's own.
      publish: (uri, analysis) => void connection.sendDiagnostics({ uri, diagnostics: analysis ? auditDiagnostics(uri, analysis) : [] }),
      token,
      progress: {
        begin: (title) => reporter.begin(title, 0, undefined, true),
        report: (percent, message) => reporter.report(percent, message),
        done: () => reporter.done(),
      },
      yieldToConnection: () => host.yieldToConnection(),
    });
    const problems = result.files.filter((f) => f.problem);
    connection.console.info(`checkFiles: ${result.files.length} of ${result.requested} files checked${result.cancelled ? ' (cancelled)' : ''}${problems.length ? `; not checked: ${problems.map((f) => f.problem).join('; ')}` : ''}`);
    return result;
  });

  documents.listen(checkedSync());
  connection.listen();
}
