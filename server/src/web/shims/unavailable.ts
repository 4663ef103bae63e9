/**
 * `fs`, `os`, `child_process`, `crypto` in the web bundle: importing is fine, calling
 * is a clear error. The web host takes none of the paths that would call them.
 */
function unavailable(name: string): never {
  throw new Error(`${name} is not available in the browser`);
}

export const existsSync = (): boolean => false;
export const readFileSync = (): never => unavailable('reading files');
export const statSync = (): never => unavailable('reading files');
export const writeSync = (): never => unavailable('writing files');
export const homedir = (): string => '/';
export const tmpdir = (): string => '/tmp';
export const spawn = (): never => unavailable('starting processes');
export const execFileSync = (): never => unavailable('starting processes');
export const createHash = (): never => unavailable('node:crypto');
export class ChildProcess {}
export default { existsSync, readFileSync, statSync, writeSync, homedir, tmpdir, spawn, execFileSync, createHash, ChildProcess };
