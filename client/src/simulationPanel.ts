/**
 * "Simulate Scenario" and "Compare Before/After": asks the server to run a
 * scenario (under a cancellable notification), then shows the result in a
 * webview panel whose trace steps reveal their line in the simulated code.
 * For a comparison the code is the patch's two images, shown read-only
 * under the `auditlens-image:` scheme so the traces' lines match exactly.
 */
import * as vscode from 'vscode';
import type { Comparison, CompareReply, SimulateReply, SimulationFailure } from '../../server/src/features/simulation';
import { SCENARIOS, ScenarioName } from '../../server/src/simulate/types';
import { documentOf } from './editors';
import { newNonce, renderHtml } from './panelHtml';
import { simulationDefaults, type SimulationDefaults } from './simulationSettings';
import { isFromWebview, PanelView, RunSide, ToWebview } from './webview/protocol';

export { renderHtml } from './panelHtml';

export const SERVER_SIMULATE = 'auditlens.server.simulate';
export const SERVER_COMPARE = 'auditlens.server.compare';
const IMAGE_SCHEME = 'auditlens-image';
const VIEW_TYPE = 'auditlens.simulation';

/** What each scenario does to auditd, for the picker (DESIGN.md's scenario list). */
const SCENARIO_DETAIL: Record<ScenarioName, string> = {
  steady: 'auditd connected and reading',
  'auditd-down': 'no auditd for a while (records held with audit=1), then it connects',
  'auditd-restart': 'auditd goes away and a new one connects',
  'auditd-stopped': 'auditd connected but not reading: sends time out with -EAGAIN for a long time (audit=1)',
  'eagain-burst': 'a burst of transient -EAGAIN send failures',
};

/** Runs a server command under a cancellable notification; undefined when cancelled or unavailable. */
export interface ServerCommands {
  run<T>(command: string, args: unknown[], title: string): Promise<T | undefined>;
  readonly output: vscode.LogOutputChannel;
}

function isFailure(reply: SimulateReply | CompareReply): reply is SimulationFailure {
  return typeof (reply as SimulationFailure).error === 'string' && !('version' in reply) && !('before' in reply);
}

function isScenario(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (SCENARIOS as readonly string[]).includes(value);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

async function pickScenario(placeHolder: string): Promise<ScenarioName | undefined> {
  const picked = await vscode.window.showQuickPick(
    SCENARIOS.map((s) => ({ label: s, detail: SCENARIO_DETAIL[s] })),
    { placeHolder, matchOnDetail: true },
  );
  return picked?.label as ScenarioName | undefined;
}

/**
 * One panel per simulated document and scenario: running it again updates the panel. A panel
 * opens before its run ends (the webview boots while the simulation runs, and says it is
 * running), and shows the result when it comes.
 */
class Panel {
  private view: PanelView | undefined;
  private targets: Partial<Record<RunSide, vscode.Uri>>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly webviewPanel: vscode.WebviewPanel,
    view: PanelView | undefined,
    targets: Partial<Record<RunSide, vscode.Uri>>,
    private readonly dist: vscode.Uri,
  ) {
    this.view = view;
    this.targets = targets;
    const webview = webviewPanel.webview;
    webview.html = renderHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      title: webviewPanel.title,
    });
    // The script asks for the view when it (re)loads, e.g. after the panel was hidden.
    this.disposables.push(webview.onDidReceiveMessage((message: unknown) => {
      if (!isFromWebview(message)) return;
      if (message.type === 'ready') this.post();
      else void this.reveal(message.side, message.line);
    }));
  }

  update(view: PanelView, targets: Partial<Record<RunSide, vscode.Uri>>): void {
    this.view = view;
    this.targets = targets;
    this.webviewPanel.title = view.title;
    this.post();
    this.webviewPanel.reveal(undefined, false);
  }

  /** Still waiting for its first run. */
  get pending(): boolean {
    return this.view === undefined;
  }

  private post(): void {
    if (!this.view) return; // the shell says the run is going on
    const message: ToWebview = { type: 'show', view: this.view };
    void this.webviewPanel.webview.postMessage(message);
  }

  /** Opens the simulated code at `line` (1-based) beside the panel, selected. */
  private async reveal(side: RunSide, line: number): Promise<void> {
    const uri = this.targets[side];
    if (!uri) return;
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      const range = doc.lineAt(Math.min(line, doc.lineCount) - 1).range;
      const open = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
      const column = open?.viewColumn ?? (this.webviewPanel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One);
      const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preserveFocus: false, selection: new vscode.Selection(range.start, range.end) });
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } catch (err) {
      void vscode.window.showWarningMessage(`AuditLens: cannot show line ${line}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  dispose(): void {
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}

export class SimulationPanels implements vscode.Disposable {
  private readonly panels = new Map<string, Panel>();
  /** auditlens-image URI -> the image text a comparison ran on. */
  private readonly images = new Map<string, string>();
  /** panel key -> its image URIs, forgotten when the panel closes or runs again. */
  private readonly imagesOf = new Map<string, string[]>();
  private readonly disposables: vscode.Disposable[] = [];
  private nextImage = 1;

  constructor(private readonly extensionUri: vscode.Uri, private readonly server: ServerCommands) {
    this.disposables.push(vscode.workspace.registerTextDocumentContentProvider(IMAGE_SCHEME, {
      provideTextDocumentContent: (uri) => this.images.get(uri.toString()) ?? '',
    }));
  }

  /** The `auditlens.simulation.*` defaults for a document; bad values are reported in the output and left out. */
  private defaults(target: string): SimulationDefaults {
    const config = vscode.workspace.getConfiguration('auditlens', vscode.Uri.parse(target));
    const { options, problems } = simulationDefaults((key) => config.get(key));
    for (const p of problems) this.server.output.warn(p);
    return options;
  }

  /**
   * `auditlens.simulate` [uri, scenario] from a lens; from the palette, the active C editor and a
   * picked scenario. With `explore`, the scenario's variants are run smallest first and the first
   * counterexample is shown (`auditlens.explore`).
   */
  async simulate(uri?: unknown, scenario?: unknown, explore = false): Promise<void> {
    const target = typeof uri === 'string' ? uri : documentOf('c')?.uri.toString();
    if (!target) {
      void vscode.window.showInformationMessage(`AuditLens: open kernel/audit.c (or another audit C file) to ${explore ? 'explore' : 'simulate'} it.`);
      return;
    }
    const picked = isScenario(scenario) ? scenario : await pickScenario(explore ? 'Scenario to explore for a counterexample (up to 240 runs, smallest first)' : 'Scenario to run on this file');
    if (!picked) return;
    const options = { ...this.defaults(target), ...(explore ? { explore: true } : {}) };
    const title = explore ? `AuditLens: exploring ${picked} for a counterexample` : `AuditLens: simulating ${picked}`;
    const key = `${target}\n${picked}${explore ? '\nexplore' : ''}`;
    this.opening(key, `AuditLens: ${picked}${explore ? ', explored' : ''}`);
    const reply = await this.server.run<SimulateReply>(SERVER_SIMULATE, [target, picked, options], title);
    if (!reply || isFailure(reply)) {
      this.abandon(key);
      if (reply) void vscode.window.showErrorMessage(`AuditLens: cannot ${explore ? 'explore' : 'simulate'} ${picked}: ${reply.error}`);
      return;
    }
    const document = vscode.Uri.parse(target);
    const name = baseName(document.path);
    const outcome = reply.violations.length ? `${reply.violations.length} invariant violation(s)` : explore ? 'no counterexample found' : 'no invariant violated';
    this.show(key, { title: `AuditLens: ${picked}${explore ? ', explored' : ''}`, subject: `${name}: ${outcome}`, runs: [{ side: 'file', label: name, result: reply }] }, { file: document });
  }

  /**
   * `auditlens.showFinding` [uri, RULE@FUNCTION, scenario] from a finding's code action: the
   * scenarios that can break the finding's invariant are explored in turn, and the run that
   * shows it is opened; when none does, the last run tried, led by what was tried and why
   * it does not show the finding.
   */
  async showFinding(uri?: unknown, spec?: unknown, scenario?: unknown): Promise<void> {
    if (typeof uri !== 'string' || typeof spec !== 'string' || !isScenario(scenario)) {
      void vscode.window.showInformationMessage('AuditLens: Show in Simulation runs from a queue finding: use the light bulb on an AQ101 to AQ105 diagnostic.');
      return;
    }
    const key = `${uri}\n${spec}\nfinding`;
    this.opening(key, `AuditLens: ${spec}`);
    const reply = await this.server.run<SimulateReply>(SERVER_SIMULATE, [uri, scenario, { ...this.defaults(uri), finding: spec }], `AuditLens: looking for a run that shows ${spec}`);
    if (!reply || isFailure(reply)) {
      this.abandon(key);
      if (reply) void vscode.window.showErrorMessage(`AuditLens: cannot show ${spec} in a simulation: ${reply.error}`);
      return;
    }
    const document = vscode.Uri.parse(uri);
    const name = baseName(document.path);
    const outcome = reply.violations.length ? `${spec} shown by ${reply.scenario}` : `${spec}: no run shows it`;
    this.show(key, { title: `AuditLens: ${spec}`, subject: `${name}: ${outcome}`, runs: [{ side: 'file', label: name, result: reply }] }, { file: document });
  }

  /** `auditlens.compare` [patchUri, scenario]: the scenario on the code before and after the patch, with the same options. */
  async compare(uri?: unknown, scenario?: unknown): Promise<void> {
    const target = typeof uri === 'string' ? uri : (documentOf('auditlens-patch') ?? vscode.window.activeTextEditor?.document)?.uri.toString();
    if (!target) {
      void vscode.window.showInformationMessage('AuditLens: open a patch or patch email to compare before and after it.');
      return;
    }
    const picked = isScenario(scenario) ? scenario : await pickScenario('Scenario to run before and after the patch');
    if (!picked) return;
    const key = `${target}\n${picked}\ncompare`;
    this.opening(key, `AuditLens: ${picked}, before/after`);
    const reply = await this.server.run<CompareReply>(SERVER_COMPARE, [target, picked, this.defaults(target)], `AuditLens: comparing ${picked} before and after the patch`);
    if (!reply || isFailure(reply)) {
      this.abandon(key);
      if (reply) void vscode.window.showErrorMessage(`AuditLens: cannot compare ${picked}: ${reply.error}`);
      return;
    }
    const targets = this.imageDocuments(key, reply);
    const patchName = baseName(vscode.Uri.parse(target).path);
    this.show(key, {
      title: `AuditLens: ${picked}, before/after`,
      subject: `${patchName} on ${reply.file}`,
      runs: [
        { side: 'before', label: 'Before the patch', result: reply.before },
        { side: 'after', label: 'After the patch', result: reply.after },
      ],
    }, targets);
  }

  /** Read-only documents of both images, replacing those of an earlier run in the same panel. */
  private imageDocuments(key: string, c: Comparison): Partial<Record<RunSide, vscode.Uri>> {
    this.forgetImages(key);
    const id = this.nextImage++;
    // The file name last, so the editor picks the C language for the image.
    const uri = (side: 'before' | 'after') => vscode.Uri.from({ scheme: IMAGE_SCHEME, path: `/${id}/${side}/${baseName(c.file)}` });
    const before = uri('before');
    const after = uri('after');
    this.images.set(before.toString(), c.sources.before);
    this.images.set(after.toString(), c.sources.after);
    this.imagesOf.set(key, [before.toString(), after.toString()]);
    return { before, after };
  }

  private forgetImages(key: string): void {
    for (const u of this.imagesOf.get(key) ?? []) this.images.delete(u);
    this.imagesOf.delete(key);
  }

  private show(key: string, view: PanelView, targets: Partial<Record<RunSide, vscode.Uri>>): void {
    const existing = this.panels.get(key);
    if (existing) {
      existing.update(view, targets);
      return;
    }
    this.create(key, view.title, view, targets);
  }

  /** The run's panel, open at once (a new one says the run is going on) so its webview boots meanwhile. */
  private opening(key: string, title: string): void {
    if (!this.panels.has(key)) this.create(key, title, undefined, {});
  }

  /** The run ended without a result (cancelled, failed): a panel that never had one closes. */
  private abandon(key: string): void {
    const panel = this.panels.get(key);
    if (panel?.pending) panel.webviewPanel.dispose();
  }

  private create(key: string, title: string, view: PanelView | undefined, targets: Partial<Record<RunSide, vscode.Uri>>): void {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const webviewPanel = vscode.window.createWebviewPanel(VIEW_TYPE, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true,
      localResourceRoots: [dist],
    });
    const panel = new Panel(webviewPanel, view, targets, dist);
    this.panels.set(key, panel);
    webviewPanel.onDidDispose(() => {
      panel.dispose();
      this.panels.delete(key);
      this.forgetImages(key);
    });
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.webviewPanel.dispose();
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}
