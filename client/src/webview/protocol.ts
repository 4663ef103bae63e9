/**
 * Messages between the extension and the simulation webview. Pure types and
 * guards, shared by both sides (the webview bundle and the extension bundle).
 */
import type { SimulationResult } from '../../../server/src/simulate/types';

/** Which document a run's trace lines are in: the simulated file, or one side of a patch. */
export type RunSide = 'file' | 'before' | 'after';

export interface PanelRun {
  side: RunSide;
  /** "kernel/audit.c", "Before the patch"... */
  label: string;
  result: SimulationResult;
}

export interface PanelView {
  title: string;
  /** What was simulated, for the header (a file name, or a patch and its file). */
  subject: string;
  runs: PanelRun[];
}

export type ToWebview = { type: 'show'; view: PanelView };

export type FromWebview = { type: 'ready' } | { type: 'reveal'; side: RunSide; line: number };

/** Messages from the webview are checked before use: a reveal must name a side and a 1-based line. */
export function isFromWebview(m: unknown): m is FromWebview {
  if (typeof m !== 'object' || m === null) return false;
  const msg = m as Record<string, unknown>;
  if (msg.type === 'ready') return true;
  return msg.type === 'reveal' && (msg.side === 'file' || msg.side === 'before' || msg.side === 'after') && Number.isSafeInteger(msg.line) && (msg.line as number) >= 1;
}
