/** The extension manifest agrees with the client and server code (no editor needed). */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulationDefaults } from '../../client/src/simulationSettings';
import { readBaseFileSetting } from '../../server/src/features/patchBase';
import { DEFAULT_SETTINGS, readSettings } from '../../server/src/settings';

const ROOT = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
const source = (p: string) => readFileSync(resolve(ROOT, p), 'utf8');
const registered = [...source('client/src/activation.ts').matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]);
const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
const props: Record<string, { default?: unknown; markdownDescription?: string; scope?: string }> = manifest.contributes.configuration.properties;

/**
 * Where each setting is read. A setting added to the manifest without an entry here fails the
 * test below: it would be a setting nobody reads.
 */
const READ_BY: Record<string, () => void> = {
  'auditlens.maxFileSize': () => {
    expect(readSettings({ maxFileSize: 1234 }).maxFileSize).toBe(1234);
    expect(source('client/src/context.ts')).toContain("config.get<number>('maxFileSize')");
  },
  'auditlens.rules': () => {
    expect(readSettings({ rules: { AQ101: 'off' } }).rules).toEqual({ AQ101: 'off' });
    expect(source('client/src/context.ts')).toContain("config.get<Record<string, string>>('rules')");
  },
  'auditlens.workingTree': () => {
    expect(readSettings({ workingTree: false }).workingTree).toBe(false);
    expect(source('client/src/context.ts')).toContain("config.get<boolean>('workingTree', true)");
  },
  'auditlens.patch.baseFile': () => {
    expect(readBaseFileSetting({ patch: { baseFile: 'kernel/audit.c' } }, '')).toBe('kernel/audit.c');
    expect(source('client/src/context.ts')).toContain("config.get<string>('patch.baseFile', '')");
  },
  // vscode-languageclient reads `<client id>.trace.server`
  'auditlens.trace.server': () => expect(source('client/src/context.ts')).toMatch(/CLIENT_ID = 'auditlens'/),
  'auditlens.simulation.records': () => expect(simulationKeysRead()).toContain('simulation.records'),
  'auditlens.simulation.seed': () => expect(simulationKeysRead()).toContain('simulation.seed'),
  'auditlens.simulation.backlogLimit': () => expect(simulationKeysRead()).toContain('simulation.backlogLimit'),
};

function simulationKeysRead(): string[] {
  const keys: string[] = [];
  simulationDefaults((key) => {
    keys.push(key);
    return undefined;
  });
  // the panel reads them through the section `auditlens`
  expect(source('client/src/simulationPanel.ts')).toContain("getConfiguration('auditlens', vscode.Uri.parse(target))");
  return keys;
}

describe('package.json contributes', () => {
  it('contributes exactly the commands the extension registers, under the AuditLens category', () => {
    expect([...contributed].sort()).toEqual([...registered].sort());
    for (const id of ['auditlens.restartServer', 'auditlens.checkWorkspace', 'auditlens.reviewPatch', 'auditlens.draftReply', 'auditlens.simulate', 'auditlens.compare', 'auditlens.showModelSummary', 'auditlens.openExample']) {
      expect(contributed).toContain(id);
    }
    for (const c of manifest.contributes.commands) {
      expect(c.category).toBe('AuditLens');
      expect(c.title).toMatch(/^[A-Z]/);
    }
  });

  it('hides the commands that need arguments (walkthrough steps, a finding\'s simulation, a report\'s base line) from the palette and menus name contributed commands', () => {
    const palette: { command: string; when: string }[] = manifest.contributes.menus.commandPalette;
    for (const m of palette) expect(contributed).toContain(m.command);
    const hidden = palette.filter((m) => m.when === 'false').map((m) => m.command).sort();
    expect(hidden).toEqual([...contributed.filter((c) => c.startsWith('auditlens.walkthrough.')), 'auditlens.showFinding', 'auditlens.openBaseLine'].sort());
    for (const m of manifest.contributes.menus['explorer/context']) expect(contributed).toContain(m.command);
  });

  it('gives every setting a markdownDescription, and every setting is read', () => {
    expect(manifest.contributes.configuration.title).toBe('AuditLens');
    expect(Object.keys(props).sort()).toEqual(Object.keys(READ_BY).sort());
    for (const [key, p] of Object.entries(props)) {
      expect(typeof p.markdownDescription, key).toBe('string');
      expect(p.markdownDescription!.length, key).toBeGreaterThan(40);
      READ_BY[key]();
    }
  });

  it('declares the settings with the defaults the code uses', () => {
    expect(props['auditlens.maxFileSize'].default).toBe(DEFAULT_SETTINGS.maxFileSize);
    expect(props['auditlens.workingTree'].default).toBe(DEFAULT_SETTINGS.workingTree);
    expect(props['auditlens.patch.baseFile'].default).toBe('');
    expect(Object.keys((props['auditlens.rules'] as { properties: object }).properties).length).toBe(17);
    expect((props['auditlens.trace.server'] as { enum: string[] }).enum).toEqual(['off', 'messages', 'verbose']);
    // the engine's own defaults (simulate/types.ts): records 2000, seed 1, the file's limit
    expect(props['auditlens.simulation.records'].default).toBe(2000);
    expect(props['auditlens.simulation.seed'].default).toBe(1);
    expect(props['auditlens.simulation.backlogLimit'].default).toBeNull();
    expect(simulationDefaults((key) => props[`auditlens.${key}`]?.default)).toEqual({ options: { records: 2000, seed: 1 }, problems: [] });
  });

  it('declares the patch and KCSAN report languages and activates on C, patches, reports and a kernel tree', () => {
    const [lang, report] = manifest.contributes.languages;
    expect(report).toMatchObject({ id: 'auditlens-kcsan', extensions: ['.kcsan', '.report'] });
    expect(lang).toMatchObject({ id: 'auditlens-patch', extensions: ['.patch', '.diff', '.eml', '.mbox'] });
    expect(new RegExp(lang.firstLine).test(`From ${'0123456789abcdef'.repeat(2)}01234567 Mon Sep 17 00:00:00 2001`)).toBe(true);
    expect(manifest.activationEvents).toEqual(['onLanguage:c', 'onLanguage:auditlens-patch', 'onLanguage:auditlens-kcsan', 'workspaceContains:**/kernel/audit.c']);
    expect(manifest.main).toBe('./dist/client.js');
    expect(source('scripts/build.mjs')).toContain("outfile: 'dist/client.js'");
    expect(source('client/src/nodeClient.ts')).toContain("asAbsolutePath('dist/server.js')");
    // the web extension: a browser entry whose client starts the worker server
    expect(manifest.browser).toBe('./dist/web/client.js');
    expect(source('scripts/build.mjs')).toContain("outfile: 'dist/web/client.js'");
    expect(source('scripts/build.mjs')).toContain("outfile: 'dist/web/server.js'");
    expect(source('client/src/webClient.ts')).toContain("'dist', 'web', 'server.js'");
  });
});

describe('package.json capabilities', () => {
  it('supports untrusted workspaces in part, restricting the settings that run git or read outside the workspace', () => {
    const untrusted = manifest.capabilities.untrustedWorkspaces;
    expect(untrusted.supported).toBe('limited');
    expect(untrusted.restrictedConfigurations).toEqual(['auditlens.workingTree', 'auditlens.patch.baseFile']);
    for (const key of untrusted.restrictedConfigurations) expect(props[key]).toBeDefined();
    expect(untrusted.description).toMatch(/git/);
    // and the client keeps git off until the workspace is trusted, whatever the settings say
    expect(source('client/src/context.ts')).toMatch(/workingTree: trusted && /);
    expect(source('server/src/lspServer.ts')).toMatch(/settings\.workingTree && trusted &&/);
  });

  it('supports virtual workspaces in part, and sends C documents from the workspace folders\' file systems', () => {
    const virtual = manifest.capabilities.virtualWorkspaces;
    expect(virtual.supported).toBe('limited');
    expect(virtual.description).toMatch(/Working-tree mode/);
    expect(source('client/src/workspaceCheck.ts')).toContain('vscode.workspace.fs.readFile');
  });
});

describe('package.json walkthrough', () => {
  const [walkthrough] = manifest.contributes.walkthroughs;
  const commandLinks = (text: string) => [...text.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);

  it('has steps whose media exist in docs/walkthrough and whose links and completion events are registered commands', () => {
    expect(walkthrough.title).toBe('Get started with AuditLens');
    expect(walkthrough.steps.map((s: { id: string }) => s.id)).toEqual(['openExample', 'hover', 'patchFinding', 'reviewPatch', 'simulate', 'checkWorkspace']);
    for (const step of walkthrough.steps) {
      expect(step.media.markdown, step.id).toMatch(/^docs\/walkthrough\/[\w-]+\.md$/);
      expect(existsSync(resolve(ROOT, step.media.markdown)), step.media.markdown).toBe(true);
      const links = commandLinks(step.description).filter((c) => c.startsWith('auditlens.'));
      expect(links.length, step.id).toBeGreaterThan(0);
      for (const c of links) expect(registered, `${step.id} links ${c}`).toContain(c);
      expect(step.completionEvents.length, step.id).toBeGreaterThan(0);
      for (const e of step.completionEvents) {
        const [, command] = /^onCommand:(.+)$/.exec(e) ?? [];
        expect(registered, `${step.id} completes on ${e}`).toContain(command);
      }
    }
  });

  it('uses the example files the extension ships', () => {
    const examples = source('client/src/examples.ts');
    for (const file of ['examples/kauditd-demo.c', 'examples/unbounded-retry.patch']) {
      expect(examples).toContain(`'${file}'`);
      expect(existsSync(resolve(ROOT, file))).toBe(true);
    }
  });
});
