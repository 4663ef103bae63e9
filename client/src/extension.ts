/** Desktop entry (dist/client.js): the server runs in Node, native tree-sitter where it loads. */
import type * as vscode from 'vscode';
import { activateWith } from './activation';
import { nodeClient } from './nodeClient';

export { deactivate } from './activation';

export function activate(extension: vscode.ExtensionContext): void {
  activateWith(extension, nodeClient);
}
