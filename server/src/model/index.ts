/**
 * The queue state model of one file: facts → call graph with hook bindings →
 * summaries → queues, drains, roles, contexts and guards. Built once per
 * document version; everything downstream (hover, rules, review, simulate)
 * reads it and never reaches back into the tree.
 */
import { buildFileFacts, FileFacts } from '../facts/fileFacts';
import type { Outline } from '../parse/outline';
import { BacklogWait, findBacklogWaits } from './backlogWait';
import { CallGraph } from './callgraph';
import { computeContexts, Contexts } from './contexts';
import { DrainInfo, findDrains } from './drains';
import { computeGuards, entryLocks, GuardInfo } from './guards';
import { AdmissionControl, classifyQueues, findAdmissionControl, QueueInfo } from './queues';
import { assignRoles, connectionGlobals, findConfigWords, findConsumer, Role, unicastPeerParams } from './roles';
import { transientErrors, TransientErrors } from './sendTimeout';
import { computeLocksets } from './locksets';
import { boundingPredicates } from './predicates';
import { computeSummaries, Summary } from './summaries';

export interface QueueModel {
  file: FileFacts;
  graph: CallGraph;
  summaries: Map<string, Summary>;
  queues: Map<string, QueueInfo>;
  admission: AdmissionControl[];
  /** Every place a task can sleep on the backlog: admission loops and open-coded waits. */
  backlogWaits: BacklogWait[];
  drains: DrainInfo[];
  consumer?: string;
  roles: Map<string, Role[]>;
  contexts: Contexts;
  entryLocks: Map<string, Set<string>>;
  guards: Map<string, GuardInfo>;
  connection: Set<string>;
  /** Parameters of each function whose value reaches the peer (socket, port) of a unicast send. */
  peerParams: Map<string, Set<number>>;
  /** Whether a unicast can fail with -EAGAIN (a finite sk_sndtimeo), and why. */
  transient: TransientErrors;
  /** Scalars that configure audit (written under the control lock or by boot parameters). */
  configWords: Set<string>;
  /** The file's loss counter (the body of `audit_log_lost`), if defined here. */
  lossCounter?: string;
  /** Milliseconds spent building facts and model. */
  ms: { facts: number; model: number };
}

/**
 * `owner`: the open document whose version this is (fileFacts drops its superseded functions' facts).
 * `exclude`: functions left out, with why (analyser.ts isolates one that breaks the model or a rule).
 */
export function buildModel(outline: Outline, owner?: string, exclude?: ReadonlyMap<string, string>): QueueModel {
  const t0 = performance.now();
  const file = buildFileFacts(outline, owner, exclude);
  const t1 = performance.now();
  const graph = new CallGraph(file);
  const predicates = boundingPredicates(file);
  const summaries = computeSummaries(file, graph, predicates);
  const consumer = findConsumer(file, graph, summaries);
  const consumerReach = consumer ? graph.reachable(consumer) : new Set<string>();
  const queues = classifyQueues(file, graph, summaries, consumerReach, predicates);
  const admission = findAdmissionControl(file, summaries);
  const drains = findDrains(file, graph, summaries, queues);
  const peerParams = unicastPeerParams(file, graph);
  const connection = connectionGlobals(file, graph, peerParams);
  const contexts = computeContexts(file, graph, consumer);
  const entry = entryLocks(file, graph, summaries, contexts.initOnly);
  // Locksets again, from what callers hold: balance is judged across the call (drop and retake).
  for (const [fn, held] of entry) {
    const s = summaries.get(fn);
    const ops = s?.locksets.opsByNode;
    if (!s || !held.size || !ops?.size) continue;
    const touched = new Set([...ops.values()].flat().map((o) => o.lock));
    const relevant = new Set([...held].filter((l) => touched.has(l)));
    if (relevant.size) s.locksets = computeLocksets(file.functions.get(fn)!.facts, (callee) => (callee !== fn ? summaries.get(callee)?.locks : undefined), relevant);
  }
  const guards = computeGuards(file, graph, summaries, contexts, entry);
  const roles = assignRoles({ file, graph, summaries, queues, drains, admission, consumer, consumerReach, connection, guards });
  const lossCounter = [...summaries.values()].find((s) => s.isLossCounter)?.name;
  return {
    file, graph, summaries, queues, admission, backlogWaits: findBacklogWaits(file, graph, admission, consumerReach), drains, consumer, roles, contexts, entryLocks: entry, guards, connection, peerParams, lossCounter, transient: transientErrors(file),
    configWords: findConfigWords(file, guards, connection),
    ms: { facts: t1 - t0, model: performance.now() - t1 },
  };
}

export type { Role, QueueInfo, DrainInfo, GuardInfo, Summary, BacklogWait };
