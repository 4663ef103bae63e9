/**
 * Chromium (Debian's, through playwright-core) on the code-server workbench,
 * offline: every request that is not to 127.0.0.1 is aborted and recorded.
 * Helpers drive the workbench the way a user does (quick open, palette, go to
 * line, keyboard) and wait on DOM state only: no fixed sleeps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser, BrowserContext, chromium, FrameLocator, Locator, Page } from 'playwright-core';

/** E2E.md's Chromium flags: headless, no GPU, nothing phoning home, every host but loopback unresolvable. */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface BlockedRequest {
  url: string;
  method: string;
  resourceType: string;
  /** The frame's URL that made it, when known (a webview's frame names the extension's panel). */
  frame?: string;
}

/** Numbered screenshots of the run: <results>/<NN>-<step>.png. */
export class Screenshots {
  private n = 0;
  readonly taken: string[] = [];
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  async take(page: Page, step: string): Promise<string> {
    this.n += 1;
    const file = path.join(this.dir, `${String(this.n).padStart(2, '0')}-${step.replace(/[^\w.-]+/g, '-')}.png`);
    await page.screenshot({ path: file, timeout: 15_000 });
    this.taken.push(file);
    return file;
  }
}

export class Browsing {
  readonly blocked: BlockedRequest[] = [];

  private constructor(readonly browser: Browser, readonly context: BrowserContext, readonly page: Page) {}

  static async launch(executablePath: string, env: NodeJS.ProcessEnv, runMarker: string): Promise<Browsing> {
    const browser = await chromium.launch({
      executablePath,
      headless: true,
      // the marker lets scripts/e2e/run.mjs find this browser by its command line if the run dies
      args: [...CHROMIUM_ARGS, `--auditlens-e2e-run=${runMarker}`],
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
      timeout: 60_000,
    });
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, reducedMotion: 'reduce', serviceWorkers: 'allow' });
    const page = await context.newPage();
    const b = new Browsing(browser, context, page);
    await context.route('**/*', async (route) => {
      const request = route.request();
      let host = '';
      try { host = new URL(request.url()).hostname; } catch { /* not a URL: let the browser decide */ }
      if (!host || LOOPBACK.has(host)) return route.continue();
      let frame: string | undefined;
      try { frame = request.frame().url(); } catch { frame = undefined; }
      b.blocked.push({ url: request.url(), method: request.method(), resourceType: request.resourceType(), frame });
      return route.abort('internetdisconnected');
    });
    return b;
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await this.browser.close().catch(() => undefined);
  }
}

/** The workbench's Ctrl (Linux: this suite runs Debian's Chromium). */
const MOD = 'Control';

export class Workbench {
  constructor(readonly page: Page) {}

  /** The workbench is up and the explorer shows the workspace. */
  async ready(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'kernel' }).first().waitFor({ timeout: 60_000 });
  }

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private async closeQuickInput(): Promise<void> {
    if (await this.quickInput.isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput.waitFor({ state: 'hidden' });
    }
  }

  /**
   * Opens the quick input with `key` and puts `value` in its box (filled, not typed: nothing
   * can land in the editor if the widget is slow to take focus).
   */
  private async quickInputWith(key: string, value: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press(key);
    const input = this.quickInput.locator('input.input');
    await input.waitFor();
    await input.fill(value);
  }

  /**
   * Ctrl+P, the file's path, Enter on the file's row once it is the focused one; retried while
   * the quick open has no result (the remote file search may not be up yet) or stays open. The
   * keyboard, not a click: the list re-renders when the search results replace the recently
   * opened ones, and a click on a row being replaced can be lost. Resolves once the file's tab
   * is active and its text shows.
   */
  async openFile(relPath: string, expectText: string): Promise<void> {
    const name = path.basename(relPath);
    const dir = path.dirname(relPath);
    for (let attempt = 1; ; attempt++) {
      await this.quickInputWith(`${MOD}+P`, relPath);
      const row = this.quickInput.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).filter({ hasText: dir });
      try {
        await row.first().waitFor({ timeout: 10_000 });
        await this.page.keyboard.press('Enter');
        await this.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
        break;
      } catch (err) {
        if (attempt >= 4) throw new Error(`quick open did not open ${relPath} after ${attempt} attempts`, { cause: err });
        console.warn(`[e2e] quick open attempt ${attempt} did not open ${relPath}; trying again`);
      }
    }
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
    await this.activeEditor.locator('.view-line', { hasText: expectText }).first().waitFor();
  }

  /** The editor of the active group. */
  get activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor:visible').first();
  }

  /**
   * F1, the command's label, a click on the row with exactly that label; clicked again while the
   * palette stays open (a click on a row the list is re-rendering can be lost; one that lands
   * closes the palette at once, so a command never runs twice).
   */
  async command(label: string): Promise<void> {
    await this.quickInputWith('F1', `>${label}`);
    const row = this.quickInput.locator('.quick-input-list .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) });
    try {
      await row.first().waitFor({ timeout: 15_000 });
    } catch (err) {
      const shown = await this.quickInput.locator('.quick-input-list .monaco-list-row').allInnerTexts();
      throw new Error(`the command palette has no "${label}" (it shows: ${shown.slice(0, 8).join(' | ') || 'nothing'})`, { cause: err });
    }
    for (let attempt = 1; ; attempt++) {
      await row.first().click();
      try {
        await this.quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
        return;
      } catch (err) {
        if (attempt >= 3 || !(await row.first().isVisible())) throw new Error(`the command palette stayed open after a click on "${label}"`, { cause: err });
        console.warn(`[e2e] the command palette stayed open after a click on "${label}"; clicking again`);
      }
    }
  }

  /** Ctrl+G <line> Enter in the active editor; resolves when the status bar shows the line. */
  async goToLine(line: number): Promise<void> {
    await this.focusEditor();
    await this.quickInputWith(`${MOD}+G`, `:${line}`);
    await this.page.keyboard.press('Enter');
    await this.quickInput.waitFor({ state: 'hidden' });
    await this.cursorAt(line);
    await this.page.locator('.editor-group-container.active .monaco-editor.focused').waitFor();
  }

  /** Waits for the status bar's cursor position `Ln <line>, Col <col>` (any column when omitted). */
  async cursorAt(line: number, col?: number): Promise<void> {
    const text = col === undefined ? new RegExp(`Ln ${line}, Col \\d+`) : new RegExp(`Ln ${line}, Col ${col}\\b`);
    await this.page.locator('#status\\.editor\\.selection', { hasText: text }).waitFor();
  }

  /** Focus into the active editor's text (Ctrl+1: the first group, where the code is). */
  async focusEditor(group = 1): Promise<void> {
    await this.page.keyboard.press(`${MOD}+${group}`);
    await this.page.locator('.editor-group-container.active .monaco-editor.focused').waitFor();
  }

  /** The visible `.view-line` whose text contains `text` (spaces and tabs normalised). */
  viewLine(text: string | RegExp): Locator {
    return this.activeEditor.locator('.view-line', { hasText: text });
  }

  /**
   * Hovers `target` the way a person does until `hover` (the widget with the expected content)
   * shows: the pointer comes from a point on the line below, a little to the left, in steps,
   * and rests on the word. A pointer that jumps straight onto the word gives the editor one
   * mouse move, which a busy workbench can miss. When no hover shows (or one asked for before
   * the language server had the file came back empty), the pointer leaves, the hover is
   * dismissed, and it comes back.
   */
  async hoverUntil(target: Locator, hover: Locator, attempts = 4): Promise<void> {
    const anyHover = this.page.locator('.monaco-hover:visible');
    for (let attempt = 1; ; attempt++) {
      await target.scrollIntoViewIfNeeded();
      const box = await target.boundingBox();
      if (!box) throw new Error('the word to hover is not on screen');
      const x = box.x + box.width / 2;
      const y = box.y + box.height / 2;
      // start off the word, in the editor's text area, then move onto it
      const away = { x: Math.max(box.x - 40, x - 80), y: y + box.height };
      await this.page.mouse.move(away.x, away.y, { steps: 4 });
      await this.page.mouse.move(x, y, { steps: 12 });
      try {
        await hover.waitFor({ state: 'visible', timeout: 10_000 });
        return;
      } catch (err) {
        const shown = await anyHover.allInnerTexts().catch(() => []);
        if (attempt >= attempts) throw new Error(`no hover after ${attempts} attempts (showing: ${shown.join(' | ').slice(0, 200) || 'nothing'})`, { cause: err });
        console.warn(`[e2e] hover attempt ${attempt} did not show the expected hover (showing: ${shown.join(' | ').slice(0, 120) || 'nothing'}); moving away and back`);
        await this.page.mouse.move(away.x, away.y, { steps: 4 });
        await this.page.keyboard.press('Escape');
        await anyHover.first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
      }
    }
  }

  /**
   * Ctrl+. at the cursor until the quick-fix menu lists `title` (focused, as the preferred fix),
   * then Enter. Retried because code actions asked for while the file is being re-analysed can
   * come back empty. (The menu blocks the pointer at first: the keyboard applies it.)
   */
  async applyQuickFix(title: string, line: number, onMenu?: () => Promise<unknown>, attempts = 3): Promise<void> {
    const fix = this.page.locator('.action-widget .monaco-list-row.focused', { hasText: title });
    for (let attempt = 1; ; attempt++) {
      await this.goToLine(line);
      await this.page.keyboard.press(`${MOD}+.`);
      try {
        await fix.first().waitFor({ timeout: 10_000 });
        break;
      } catch (err) {
        const menu = await this.page.locator('.action-widget').allInnerTexts().catch(() => []);
        if (attempt >= attempts) throw new Error(`no quick fix "${title}" at line ${line} after ${attempts} attempts (menu: ${menu.join(' | ') || 'none'})`, { cause: err });
        console.warn(`[e2e] quick-fix attempt ${attempt} at line ${line}: no "${title}" (menu: ${menu.join(' | ') || 'none'}); trying again`);
        await this.page.keyboard.press('Escape');
        await this.page.locator('.action-widget').waitFor({ state: 'hidden' });
      }
    }
    await onMenu?.();
    await this.page.keyboard.press('Enter');
    await this.page.locator('.action-widget').waitFor({ state: 'hidden' });
  }

  /** Shows the Problems panel (without toggling it away when it is already there). */
  async problems(): Promise<Locator> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await this.page.keyboard.press(`${MOD}+Shift+M`);
      await panel.waitFor();
    }
    return panel;
  }

  /** Problems rows (file and marker rows) containing `text`. */
  problemRows(text: string | RegExp): Locator {
    return this.page.locator('.markers-panel .monaco-list-row', { hasText: text });
  }

  /** The active tab, and whether it has unsaved changes. */
  activeTab(name: string): Locator {
    return this.page.locator('.tabs-container .tab.active', { hasText: name });
  }

  /**
   * Closes every editor, answering "Don't Save" when the workbench asks: each scenario starts
   * from files as they are on disk.
   */
  async closeAllEditors(): Promise<void> {
    await this.closeQuickInput();
    if ((await this.page.locator('.tabs-container .tab').count()) === 0) return;
    await this.command('View: Close All Editors');
    const dontSave = this.page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Don.t Save$/ });
    for (let i = 0; i < 10; i++) {
      // either every tab is gone or the workbench asks about unsaved changes
      await this.page.waitForFunction("document.querySelectorAll('.tabs-container .tab').length === 0 || !!document.querySelector('.monaco-dialog-box')");
      if (await dontSave.isVisible()) {
        await dontSave.click();
        await dontSave.waitFor({ state: 'detached' });
        continue;
      }
      if ((await this.page.locator('.tabs-container .tab').count()) === 0) return;
    }
    throw new Error('editors are still open after "View: Close All Editors"');
  }

  /** The content frame of the visible webview (code-server: iframe.webview > iframe#active-frame). */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
