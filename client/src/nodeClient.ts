/** The desktop client: the server is dist/server.js in a Node child process, over IPC. */
import type * as vscode from 'vscode';
import { LanguageClient, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import type { ClientFactory } from './context';
import { SERVER_NODE_FLAGS } from '../../server/src/serverFlags';

export const nodeClient: ClientFactory = (extension: vscode.ExtensionContext, id, name, options) => {
  const module = extension.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS] } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS, '--nolazy', '--inspect=6009'] } },
  };
  return new LanguageClient(id, name, serverOptions, options);
};
