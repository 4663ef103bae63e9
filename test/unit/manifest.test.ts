/** The extension manifest agrees with the client and server code (no editor needed). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../server/src/settings';

const ROOT = resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8'));
const source = (p: string) => readFileSync(resolve(ROOT, p), 'utf8');

describe('package.json contributes', () => {
  it('contributes exactly the commands the extension registers, under the AuditLens category', () => {
    const registered = [...source('client/src/extension.ts').matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]);
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command);
    expect(contributed.sort()).toEqual(registered.sort());
    expect(contributed).toContain('auditlens.restartServer');
    for (const c of manifest.contributes.commands) expect(c.category).toBe('AuditLens');
  });

  it('declares the settings the server reads, with the server\'s defaults', () => {
    const props = manifest.contributes.configuration.properties;
    expect(manifest.contributes.configuration.title).toBe('AuditLens');
    expect(props['auditlens.maxFileSize'].default).toBe(DEFAULT_SETTINGS.maxFileSize);
    expect(props['auditlens.workingTree'].default).toBe(DEFAULT_SETTINGS.workingTree);
    expect(Object.keys(props['auditlens.rules'].properties).length).toBe(16);
    expect(props['auditlens.trace.server'].enum).toEqual(['off', 'messages', 'verbose']);
    // vscode-languageclient reads `<client id>.trace.server`
    expect(source('client/src/context.ts')).toMatch(/CLIENT_ID = 'auditlens'/);
  });

  it('declares the patch language and activates on C, patches and a kernel tree', () => {
    const [lang] = manifest.contributes.languages;
    expect(lang).toMatchObject({ id: 'auditlens-patch', extensions: ['.patch', '.diff', '.eml', '.mbox'] });
    expect(new RegExp(lang.firstLine).test(`From ${'0123456789abcdef'.repeat(2)}01234567 Mon Sep 17 00:00:00 2001`)).toBe(true);
    expect(manifest.activationEvents).toEqual(['onLanguage:c', 'onLanguage:auditlens-patch', 'workspaceContains:**/kernel/audit.c']);
    expect(manifest.main).toBe('./dist/client.js');
    expect(source('scripts/build.mjs')).toContain("outfile: 'dist/client.js'");
    expect(source('client/src/context.ts')).toContain("asAbsolutePath('dist/server.js')");
  });
});
