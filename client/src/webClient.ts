/**
 * The browser client (vscode.dev, github.dev, code-server's web extension host):
 * the server is dist/web/server.js in a web worker, parsing with WebAssembly only.
 */
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/browser';
import type { ClientFactory } from './context';

export const webClient: ClientFactory = (extension, id, name, options) => {
  const serverMain = vscode.Uri.joinPath(extension.extensionUri, 'dist', 'web', 'server.js');
  const worker = new Worker(serverMain.toString(true));
  return new LanguageClient(id, name, worker, options);
};
