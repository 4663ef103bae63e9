/**
 * Explanations of the queue model in kernel terms, as concise Markdown: what
 * a function, backlog queue, lock, RCU pointer, config word, guarded field or
 * errno is in the model of this file, and what a call does where it is made.
 * Pure (no LSP types): the hover and `auditlens explain` both print it.
 * Everything comes from the model; per-model lookups are built once
 * (explain/modelIndex.ts) so a hover only reads maps.
 */
import type { FileAnalysis } from '../analyser';
import type { NameUse } from '../parse/outline';
import type { Finding } from '../rules/finding';
import { callAt, callText } from './explain/callText';
import { errorText } from './explain/errorText';
import { functionText } from './explain/functionText';
import { lockText } from './explain/lockText';
import { indexOf, rootOf } from './explain/modelIndex';
import { queueText } from './explain/queueText';
import type { ExplainEnv } from './explain/text';
import { variableText } from './explain/variableText';

export type Explainable = Pick<FileAnalysis, 'parsed' | 'outline' | 'model'>;

const ERRNO = /^E[A-Z0-9]+$/;
const PATH = /^[A-Za-z_]\w*(?:(?:\.|->)[A-Za-z_]\w*)+$/;

/**
 * The explanation of the name at `offset`, or undefined when the model says
 * nothing about it (locals, types, macros, kernel APIs it does not model).
 * A called name is explained as that call. With `uri`, line references are
 * links (`[L907](uri#L907)`); with `findings`, those on the hovered line are named.
 */
export function explainAt(analysis: Explainable, offset: number, uri?: string, findings?: readonly Finding[]): string | undefined {
  const use = analysis.outline.nameAt(offset);
  if (!use || use.isType) return undefined;
  const env = { ...envOf(analysis, uri), findings };
  const fn = analysis.outline.functionAt(offset);
  const facts = fn ? env.model.file.functions.get(fn.name)?.facts : undefined;
  const isLocal = (name: string) => !!facts && (facts.locals.includes(name) || facts.params.some((p) => p.name === name));

  const path = fieldPathAt(analysis, use);
  if (path) return isLocal(rootOf(path)) ? undefined : explainPath(env, path);
  const call = fn && facts ? callAt(env, fn.name, use) : undefined;
  if (call) {
    // a hook pointer is a parameter; a kernel API the model does not know falls through to silence
    const here = callText(env, fn!.name, call);
    if (here || call.viaParam) return here;
  }
  if (isLocal(use.name)) return undefined;
  return explainName(env, use.name, fn?.name, use.span.start);
}

/** The explanation of a function, global, field path (`audit_cmd_mutex.owner`) or errno (`EAGAIN`, `-EAGAIN`) by name. */
export function explainSymbol(analysis: Explainable, name: string, uri?: string): string | undefined {
  const env = envOf(analysis, uri);
  const symbol = name.trim();
  if (PATH.test(symbol)) return explainPath(env, symbol.replace(/\s+/g, ''));
  const named = explainName(env, symbol);
  if (named) return named;
  const errno = symbol.replace(/^-/, '');
  return ERRNO.test(errno) ? errorText(env, errno) : undefined;
}

function envOf(analysis: Explainable, uri?: string): ExplainEnv {
  const model = analysis.model;
  return { analysis, model, index: indexOf(model), uri };
}

function explainName(env: ExplainEnv, name: string, inFunction?: string, at?: number): string | undefined {
  if (env.model.file.functions.has(name)) return functionText(env, name, at);
  // a function left out of the analysis: say so rather than nothing
  const skipped = env.model.file.notAnalysed.find((n) => n.name === name);
  if (skipped) return `**\`${name}\`** — not analysed: ${skipped.reason}.\n\nThe queue model has no facts for it: calls to it are treated as calls it does not know, and no finding is reported in it.`;
  if (env.model.file.globals.has(name)) return explainPath(env, name);
  if (inFunction && ERRNO.test(name)) return errorText(env, name, inFunction);
  return undefined;
}

function explainPath(env: ExplainEnv, path: string): string | undefined {
  if (env.model.queues.has(path)) return queueText(env, path);
  const lock = lockText(env, path);
  if (lock) return lock;
  const guard = env.model.guards.get(path);
  return guard ? variableText(env, guard) : undefined;
}

/** `audit_cmd_mutex.owner` when the name is the field of a member access (`.` or `->`). */
function fieldPathAt(analysis: Explainable, use: NameUse): string | undefined {
  const node = analysis.parsed.tree.rootNode.descendantForIndex(use.span.start, Math.max(use.span.start, use.span.end - 1));
  if (node?.type !== 'field_identifier' || node.parent?.type !== 'field_expression') return undefined;
  const path = node.parent.text.replace(/\s+/g, '');
  return PATH.test(path) ? path : undefined;
}
