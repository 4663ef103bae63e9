/** Browser entry (dist/web/client.js, package.json's "browser"): the server runs in a web worker. */
import type * as vscode from 'vscode';
import { activateWith } from './activation';
import { webClient } from './webClient';

export { deactivate } from './activation';

export function activate(extension: vscode.ExtensionContext): void {
  activateWith(extension, webClient);
}
