/**
 * Facts of one function from its mirrored syntax tree: queue operations, calls
 * (with function-pointer bindings), locks and RCU, shared-state accesses, error
 * codes, may-sleep calls and record fates, each attached to a CFG node; then
 * the path conditions (atoms) that hold at every node.
 */
import {
  CONSUMES_SKB, ERRNO, FREES_SKB, GFP_ARG, isAtomicApi, isWaitEvent, LOCK_ACQUIRE, LOCK_RELEASE,
  MARKED_READ, MARKED_WRITE, MAY_SLEEP, MULTICAST_SENDS, PRINTK, QUEUE_APIS, queueArgIndex, RCU_READ,
  RCU_READERS, RCU_WRITERS, recordArgIndex, UNICAST_SENDS,
} from './apis';
import { addressOf, Ast, kids, operatorOf, pathOf, SourceView, stripParens } from './ast';
import { buildCfg, predecessors, reversePostOrder } from './cfg';
import { Atom, atomsFor, ConditionContext, constantOf, intersectAtoms, killAtomsOf } from './conditions';
import type {
  AccessFact, AccessMode, ArgFact, CallFact, FieldBinding, FunctionFacts, Loc, ParamFact, QueueRef,
} from './types';

/** What the extractor needs to know about the file around the function. */
export interface FileScope {
  globals: ReadonlySet<string>;
  functions: ReadonlySet<string>;
}

type Mode = 'read' | 'write' | 'rw' | AccessMode | 'marked-read' | 'marked-write' | 'rcu-write';

const ERRNO_RE = /^-E[A-Z0-9]+$/;

export function extractFunctionFacts(fn: Ast, src: SourceView, scope: FileScope): FunctionFacts {
  const declarator = fn.children.find((c) => c.type.endsWith('declarator'));
  const body = fn.children.find((c) => c.type === 'compound_statement');
  // what a buffer looks like while a definition is being typed (`static void {`)
  if (!declarator) throw new Error('the definition has no name or parameter list yet');
  if (!body) throw new Error('the definition has no body');
  const fnDecl = findFunctionDeclarator(declarator);
  const name = fnDecl ? nameOfDeclarator(kids(fnDecl)[0], src) ?? '' : '';
  const params = fnDecl ? paramsOf(fnDecl, src) : [];
  const returnType = src.text.slice(src.base + fn.start, src.base + (fnDecl ? fnDecl.start : declarator.start)).replace(/\s+/g, ' ').trim();
  const paramIndex = new Map(params.map((p) => [p.name, p.index]));
  const locals = new Set<string>();
  collectLocals(body, src, locals);
  const isGlobal = (id: string) => scope.globals.has(id) && !locals.has(id) && !paramIndex.has(id);

  const cfg = buildCfg(body, (n) => {
    const label = n.children.find((c) => c.type === 'statement_identifier');
    return label ? src.of(label) : '';
  });

  const facts: FunctionFacts = {
    name, params, locals: [...locals], returnType, cfg,
    calls: [], queueOps: [], lockOps: [], accesses: [], errors: [], sleeps: [], fates: [], bindings: [], loops: [],
    flows: [], limits: [], atoms: [], branchAtoms: [], paramWrites: [],
  };
  const limits = new Set<string>();

  const globalRoot = (path: string) => path.split(/\.|->/)[0];
  const queueRef = (arg: Ast): QueueRef => {
    const addr = addressOf(arg, src);
    if (addr) {
      if (isGlobal(addr)) return { kind: 'global', name: addr };
      return { kind: 'local', name: addr };
    }
    const p = pathOf(arg, src);
    if (p && paramIndex.has(p)) return { kind: 'param', name: p, index: paramIndex.get(p)! };
    if (p && isGlobal(globalRoot(p)) && !p.includes('->')) return { kind: 'global', name: p };
    return { kind: 'local', name: p ?? src.of(arg) };
  };

  const argFact = (a: Ast): ArgFact => ({ ...argKind(stripParens(a), src.of(a), { start: a.start, end: a.end }), reads: namesIn(a, src) });
  const argKind = (e: Ast, text: string, at: Loc): Omit<ArgFact, 'reads'> => {
    if (e.type === 'string_literal' || e.type === 'concatenated_string') return { text, kind: 'string', at };
    if (e.type === 'null' || text === 'NULL') return { text, kind: 'null', at };
    if (e.type === 'conditional_expression') {
      const [c, t, f] = kids(e);
      const choices = [t, f].filter(Boolean).map((x) => src.of(stripParens(x!)));
      return { text, kind: 'conditional', choices, condition: c ? src.of(c) : undefined, at };
    }
    const addr = addressOf(e, src);
    if (addr) return { text, kind: 'address', name: addr, at };
    if (e.type === 'identifier') {
      const id = src.of(e);
      if (paramIndex.has(id)) return { text, kind: 'param', name: id, paramIndex: paramIndex.get(id), at };
      if (locals.has(id)) return { text, kind: 'local', name: id, at };
      if (scope.functions.has(id)) return { text, kind: 'function', name: id, at };
      if (isGlobal(id)) return { text, kind: 'global', name: id, at };
      if (constantOf(e, src) !== undefined) return { text, kind: 'const', name: id, at };
      return { text, kind: 'other', name: id, at };
    }
    if (constantOf(e, src) !== undefined) return { text, kind: 'const', name: constantOf(e, src), at };
    return { text, kind: 'other', at };
  };

  const access = (path: string, mode: Mode, n: Ast, node: number, extra: Partial<AccessFact> = {}) => {
    const read = mode !== 'write' && mode !== 'marked-write' && mode !== 'rcu-write' && mode !== 'address';
    const write = mode === 'write' || mode === 'rw' || mode === 'marked-write' || mode === 'rcu-write' || (mode === 'atomic' && extra.api !== undefined && !/_read$/.test(extra.api)) ||
      (mode === 'queue' && extra.api !== undefined && /queue_(tail|head|purge)|dequeue|unlink|head_init/.test(extra.api));
    const m: AccessMode =
      mode === 'read' || mode === 'write' || mode === 'rw' ? 'plain'
        : mode === 'marked-read' || mode === 'marked-write' ? 'marked'
          : mode === 'rcu-write' ? 'rcu'
            : mode;
    facts.accesses.push({ variable: path, read, write, mode: m, at: { start: n.start, end: n.end }, node, ...extra });
  };

  const visit = (n: Ast, mode: Mode, node: number, extra: Partial<AccessFact> = {}): void => {
    switch (n.type) {
      case 'identifier': {
        const id = src.of(n);
        if (isGlobal(id)) access(id, mode, n, node, extra);
        return;
      }
      case 'field_expression': {
        const p = pathOf(n, src);
        if (p && !p.includes('->') && isGlobal(globalRoot(p))) { access(p, mode, n, node, extra); return; }
        const obj = kids(n)[0];
        if (obj) visit(obj, 'read', node);
        return;
      }
      case 'pointer_expression': {
        const op = operatorOf(n);
        const inner = kids(n)[0];
        if (!inner) return;
        if (op === '&') visit(inner, mode === 'read' ? 'address' : mode, node, extra);
        else visit(inner, 'read', node);
        return;
      }
      case 'call_expression':
        visitCall(n, node, false);
        return;
      case 'assignment_expression': {
        const [left, right] = kids(n);
        const op = operatorOf(n);
        const l = left && stripParens(left);
        if (l && l.type === 'pointer_expression' && operatorOf(l) === '*') {
          // `*to_change = new`: a write through a pointer parameter, made visible to callers by summaries
          const target = kids(l)[0];
          const pi = target && paramIndex.get(src.of(stripParens(target)));
          if (pi !== undefined && !facts.paramWrites.includes(pi)) facts.paramWrites.push(pi);
        }
        if (left) visit(left, op === '=' ? 'write' : 'rw', node);
        const target = left && stripParens(left).type === 'identifier' ? src.of(stripParens(left)) : undefined;
        if (right && target && (locals.has(target) || paramIndex.has(target))) facts.flows.push({ to: target, from: namesIn(right, src) });
        if (right) {
          const r = stripParens(right);
          const branchCall = r.type === 'conditional_expression' ? soleCallBranch(r) : undefined;
          if (r.type === 'call_expression') {
            const call = visitCall(r, node, false);
            if (call && left) call.resultVar = pathOf(left, src);
          } else if (branchCall) {
            // `rc = failed ? failed : send(skb)`: rc holds the call's status whenever the call ran
            for (const k of kids(r)) if (k !== branchCall.branch) visit(k, 'read', node);
            const call = visitCall(branchCall.call, node, false);
            if (call && left) call.resultVar = pathOf(left, src);
          } else visit(right, 'read', node);
          const c = constantOf(right, src);
          const lp = left && pathOf(left, src);
          if (c && ERRNO_RE.test(c) && lp) facts.errors.push({ code: c, how: 'assign', variable: lp, at: { start: n.start, end: n.end }, node });
        }
        return;
      }
      case 'update_expression': {
        const inner = kids(n)[0];
        if (inner) visit(inner, 'rw', node);
        return;
      }
      case 'binary_expression': {
        const [l, r] = kids(n);
        const op = operatorOf(n);
        if (l && r && (op === '==' || op === '!=')) {
          const lc = constantOf(l, src);
          const rc = constantOf(r, src);
          const c = rc && ERRNO_RE.test(rc) ? rc : lc && ERRNO_RE.test(lc) ? lc : undefined;
          const v = c === rc ? pathOf(l, src) : pathOf(r, src);
          if (c) facts.errors.push({ code: c, how: 'compare', variable: v, equal: op === '==', at: { start: n.start, end: n.end }, node });
        }
        if (l && r && op && /^[<>]=?$/.test(op)) noteLimit(l, r);
        for (const c of kids(n)) visit(c, 'read', node);
        return;
      }
      case 'initializer_pair': {
        const [designator, value] = kids(n);
        if (designator && value) {
          const field = kids(designator)[0];
          const v = stripParens(value);
          if (field && v.type === 'identifier' && scope.functions.has(src.of(v))) {
            facts.bindings.push({ field: src.of(field), fn: src.of(v), at: { start: n.start, end: n.end } });
          }
          visit(value, 'read', node);
        }
        return;
      }
      case 'sizeof_expression':
      case 'string_literal':
      case 'concatenated_string':
      case 'number_literal':
      case 'char_literal':
        return;
      default:
        for (const c of n.children) if (c.named && c.type !== 'comment') visit(c, mode === 'write' ? 'read' : 'read', node);
    }
  };

  const noteLimit = (l: Ast, r: Ast) => {
    const isLen = (x: Ast) => {
      const e = stripParens(x);
      if (e.type !== 'call_expression') return false;
      const f = kids(e)[0];
      return !!f && /^skb_queue_len/.test(src.of(f));
    };
    // the limit side may be a global, or an expression over one (`audit_backlog_limit + reserve`)
    const limitOf = (x: Ast): string | undefined => {
      const p = pathOf(x, src);
      if (p && isGlobal(globalRoot(p))) return p;
      const e = stripParens(x);
      if (e.type !== 'binary_expression' || !/^[-+*]$/.test(operatorOf(e) ?? '')) return undefined;
      for (const k of kids(e)) { const q = limitOf(k); if (q) return q; }
      return undefined;
    };
    if (isLen(l)) { const q = limitOf(r); if (q) limits.add(q); }
    if (isLen(r)) { const q = limitOf(l); if (q) limits.add(q); }
  };

  const visitCall = (n: Ast, node: number, inCondition: boolean): CallFact | undefined => {
    const [fnExpr, argList] = kids(n);
    if (!fnExpr) return undefined;
    const argAsts = argList ? kids(argList) : [];
    const at = { start: n.start, end: n.end };
    const call: CallFact = { at, node, args: argAsts.map(argFact), argAsts, inCondition };
    const target = stripParens(fnExpr);
    let name: string | undefined;
    if (target.type === 'identifier') {
      const id = src.of(target);
      if (paramIndex.has(id)) call.viaParam = { name: id, index: paramIndex.get(id)! };
      else name = id;
    } else if (target.type === 'pointer_expression' && operatorOf(target) === '*') {
      const inner = kids(target)[0];
      const id = inner && src.of(stripParens(inner));
      if (id && paramIndex.has(id)) call.viaParam = { name: id, index: paramIndex.get(id)! };
    } else {
      visit(target, 'read', node);
    }
    call.callee = name;
    facts.calls.push(call);

    // errno constants passed as arguments
    argAsts.forEach((a, i) => {
      const c = constantOf(a, src);
      if (c && ERRNO_RE.test(c)) facts.errors.push({ code: c, how: 'pass', callee: name, viaParam: call.viaParam?.name, argIndex: i, at: { start: a.start, end: a.end }, node });
    });

    if (!name) {
      for (const a of argAsts) visit(a, 'read', node);
      return call;
    }
    // queue operations
    const q = QUEUE_APIS[name];
    if (q) {
      const qi = queueArgIndex(name);
      const qa = argAsts[qi];
      if (qa) {
        const ref = queueRef(qa);
        const op = { api: name, op: q.op, end: q.end, queue: ref, at, node } as FunctionFacts['queueOps'][number];
        if (q.op === 'enqueue' || q.op === 'unlink') {
          const ra = argAsts[recordArgIndex(name)];
          if (ra) {
            op.record = src.of(ra);
            const ri = paramIndex.get(src.of(stripParens(ra)));
            if (ri !== undefined) op.recordParam = ri;
          }
        }
        facts.queueOps.push(op);
      }
      argAsts.forEach((a, i) => visit(a, i === qi ? 'queue' : 'read', node, { api: name }));
      return call;
    }
    // locks and RCU read side
    const acq = LOCK_ACQUIRE[name];
    const rel = LOCK_RELEASE[name];
    if (acq || rel) {
      const kind = (acq ?? rel)!;
      const lock = kind === 'rcu' ? RCU_READ : lockName(argAsts[0]);
      if (lock) facts.lockOps.push({ op: acq ? 'acquire' : 'release', lock, kind, api: name, at, node });
      argAsts.forEach((a, i) => visit(a, i === 0 ? 'lock' : 'read', node, { api: name }));
      if (MAY_SLEEP.has(name)) facts.sleeps.push({ call: name, reason: `${name}() may sleep`, at, node });
      return call;
    }
    if (MARKED_READ.has(name)) { argAsts.forEach((a, i) => visit(a, i === 0 ? 'marked-read' : 'read', node, { api: name })); return call; }
    if (MARKED_WRITE.has(name)) { argAsts.forEach((a, i) => visit(a, i === 0 ? 'marked-write' : 'read', node, { api: name })); return call; }
    if (RCU_READERS.has(name)) {
      const extra: Partial<AccessFact> = { api: name };
      if (name === 'rcu_dereference_protected' || name === 'rcu_dereference_check') {
        const held = argAsts[1] ? lockdepHeld(argAsts[1]) : undefined;
        if (held) extra.protectedBy = held;
      }
      argAsts.forEach((a, i) => visit(a, i === 0 ? 'rcu' : 'read', node, i === 0 ? extra : {}));
      return call;
    }
    if (RCU_WRITERS.has(name)) { argAsts.forEach((a, i) => visit(a, i === 0 ? 'rcu-write' : 'read', node, { api: name })); return call; }
    if (isAtomicApi(name)) { argAsts.forEach((a, i) => visit(a, i === 0 || addressOf(a, src) ? 'atomic' : 'read', node, { api: name })); return call; }

    // record fates and sleeping
    if (FREES_SKB.has(name)) facts.fates.push({ kind: 'free', api: name, record: argAsts[0] && src.of(argAsts[0]), at, node });
    else if (UNICAST_SENDS.has(name)) facts.fates.push({ kind: 'send-unicast', api: name, record: argAsts[CONSUMES_SKB[name]] && src.of(argAsts[CONSUMES_SKB[name]]), at, node });
    else if (MULTICAST_SENDS.has(name)) facts.fates.push({ kind: 'send-multicast', api: name, record: argAsts[1] && src.of(argAsts[1]), at, node });
    else if (PRINTK.test(name)) facts.fates.push({ kind: 'printk', api: name, at, node });
    if (MAY_SLEEP.has(name) || isWaitEvent(name)) facts.sleeps.push({ call: name, reason: `${name}() may sleep`, at, node });
    const gfp = GFP_ARG[name];
    if (gfp !== undefined && gfp >= 0 && argAsts[gfp] && /GFP_KERNEL/.test(src.of(argAsts[gfp]))) {
      facts.sleeps.push({ call: name, reason: `${name}(..., GFP_KERNEL) may sleep to allocate`, at, node });
    }
    if (UNICAST_SENDS.has(name) && name === 'netlink_unicast' && argAsts[3] && src.of(argAsts[3]).trim() === '0') {
      facts.sleeps.push({ call: name, reason: 'netlink_unicast(..., 0) blocks while the receiver\'s socket buffer is full', at, node });
    }
    argAsts.forEach((a, i) => {
      if (addressOf(a, src)) visit(a, 'address', node, { callee: name, argIndex: i });
      else visit(a, 'read', node);
    });
    return call;
  };

  const lockName = (a: Ast | undefined): string | undefined => {
    if (!a) return undefined;
    return addressOf(a, src) ?? pathOf(a, src) ?? src.of(a);
  };
  const lockdepHeld = (a: Ast): string | undefined => {
    const e = stripParens(a);
    if (e.type !== 'call_expression') return undefined;
    const [f, args] = kids(e);
    if (!f || src.of(f) !== 'lockdep_is_held' || !args) return undefined;
    const first = kids(args)[0];
    return first ? lockName(first) : undefined;
  };

  // Facts per CFG node, in node order.
  for (const node of cfg.nodes) {
    const a = node.ast;
    if (!a) continue;
    if (node.kind === 'cond' || node.kind === 'switch') {
      const e = stripParens(a);
      if (e.type === 'call_expression') visitCall(e, node.id, true);
      else visit(e, 'read', node.id);
      continue;
    }
    if (a.type === 'declaration') {
      const firstBinding = facts.bindings.length;
      for (const d of kids(a)) {
        if (d.type !== 'init_declarator') continue;
        const [lhs, value] = kids(d);
        if (!value) continue;
        const declared = lhs && nameOfDeclarator(lhs, src);
        if (declared) facts.flows.push({ to: declared, from: namesIn(value, src) });
        const v = stripParens(value);
        if (v.type === 'call_expression') {
          const call = visitCall(v, node.id, false);
          const lname = lhs && nameOfDeclarator(lhs, src);
          if (call && lname) call.resultVar = lname;
        } else visit(value, 'read', node.id);
      }
      const typeNode = kids(a).find((c) => c.type === 'struct_specifier' || c.type === 'type_identifier');
      const structType = typeNode ? src.of(typeNode).replace(/^struct\s+/, '').trim() : undefined;
      for (let i = firstBinding; i < facts.bindings.length; i++) facts.bindings[i].structType = structType;
      continue;
    }
    if (node.kind === 'return') {
      const e = kids(a)[0];
      if (e) {
        const c = constantOf(e, src);
        if (c && ERRNO_RE.test(c)) facts.errors.push({ code: c, how: 'return', at: { start: e.start, end: e.end }, node: node.id });
        visit(e, 'read', node.id);
      }
      continue;
    }
    if (node.kind === 'goto') continue;
    visit(a, 'read', node.id);
  }

  for (const loop of cfg.loops) {
    const headAst = cfg.nodes[loop.head].ast;
    facts.loops.push({
      head: loop.head,
      at: { start: loop.stmt.start, end: loop.stmt.end },
      kind: loop.viaGoto ? 'goto' : loop.stmt.type === 'for_statement' ? 'for' : loop.stmt.type === 'do_statement' ? 'do' : 'while',
      condition: loop.viaGoto ? `goto ${loop.viaGoto}` : headAst ? src.of(headAst).replace(/\s+/g, ' ') : '',
    });
  }

  // The CFG is built backwards; report facts in source order.
  const bySource = (a: { at: { start: number } }, b: { at: { start: number } }) => a.at.start - b.at.start;
  for (const list of [facts.calls, facts.queueOps, facts.lockOps, facts.accesses, facts.errors, facts.sleeps, facts.fates, facts.bindings, facts.loops] as { at: { start: number } }[][]) list.sort(bySource);

  facts.limits = [...limits];
  facts.atoms = computeAtoms(facts, src, (p) => limits.has(p) || /backlog_limit$/.test(p), (arg) => {
    const ref = queueRef(arg);
    return ref.kind === 'global' ? ref.name : ref.kind === 'param' ? `param:${ref.name}` : `local:${ref.name}`;
  });
  return facts;
}

/** Forward must-analysis of condition atoms over the CFG. */
function computeAtoms(facts: FunctionFacts, src: SourceView, isLimit: (p: string) => boolean, queueOf: (a: Ast) => string | undefined): Set<Atom>[] {
  const { cfg } = facts;
  const ctx: ConditionContext = { src, isLimit, queueOf };
  const written = cfg.nodes.map(() => [] as string[]);
  for (const acc of facts.accesses) if (acc.write) written[acc.node].push(acc.variable);
  for (const call of facts.calls) if (call.resultVar) written[call.node].push(call.resultVar);
  // locals assigned in a node also kill their atoms
  for (const node of cfg.nodes) {
    if (!node.ast) continue;
    collectAssigned(node.ast, src, written[node.id]);
  }
  const order = reversePostOrder(cfg);
  const preds = predecessors(cfg);
  facts.branchAtoms = cfg.nodes.map((n) => (n.kind === 'cond' && n.ast ? { t: atomsFor(n.ast, true, ctx), f: atomsFor(n.ast, false, ctx) } : undefined));
  const IN: (Set<Atom> | undefined)[] = cfg.nodes.map(() => undefined);
  IN[cfg.entry] = new Set();
  const edgeAtoms = (from: number, to: number): Set<Atom> | undefined => {
    const inSet = IN[from];
    if (!inSet) return undefined;
    const out = new Set(inSet);
    for (const v of written[from]) killAtomsOf(out, v);
    const node = cfg.nodes[from];
    for (const e of node.succ) {
      if (e.to !== to) continue;
      const ba = facts.branchAtoms[from];
      if (ba && e.branch !== undefined) for (const a of e.branch ? ba.t : ba.f) out.add(a);
      if (node.kind === 'switch' && node.ast && e.caseValue && e.caseValue !== 'default') {
        const v = pathOf(node.ast, src);
        const c = constantOf(e.caseValue, src);
        if (v && c) out.add(`eq:${v}:${c}`);
      }
    }
    return out;
  };
  let changed = true;
  for (let iter = 0; changed && iter < 50; iter++) {
    changed = false;
    for (const id of order) {
      if (id === cfg.entry) continue;
      let acc: Set<Atom> | undefined;
      for (const p of preds[id]) {
        const s = edgeAtoms(p, id);
        if (!s) continue;
        acc = acc ? new Set(intersectAtoms(acc, s)) : s;
      }
      if (!acc) continue;
      const prev = IN[id];
      if (!prev || prev.size !== acc.size || [...acc].some((x) => !prev.has(x))) {
        IN[id] = acc;
        changed = true;
      }
    }
  }
  return IN.map((s) => s ?? new Set<Atom>());
}

/** Identifiers an expression reads (not field names, not the callee of a call). */
export function namesIn(n: Ast, src: SourceView, out: string[] = []): string[] {
  if (n.type === 'identifier') {
    const id = src.of(n);
    if (!out.includes(id)) out.push(id);
    return out;
  }
  if (n.type === 'call_expression') {
    const [f, args] = kids(n);
    if (f && stripParens(f).type !== 'identifier') namesIn(f, src, out);
    if (args) namesIn(args, src, out);
    return out;
  }
  if (n.type === 'sizeof_expression' || n.type === 'string_literal') return out;
  for (const c of n.children) if (c.named && c.type !== 'comment') namesIn(c, src, out);
  return out;
}

function collectAssigned(n: Ast, src: SourceView, out: string[]): void {
  if (n.type === 'assignment_expression' || n.type === 'update_expression') {
    const left = kids(n)[0];
    const p = left && pathOf(left, src);
    if (p) out.push(p);
  }
  if (n.type === 'init_declarator') {
    const lhs = kids(n)[0];
    const p = lhs && nameOfDeclarator(lhs, src);
    if (p) out.push(p);
  }
  for (const c of n.children) if (c.named && c.type !== 'compound_statement') collectAssigned(c, src, out);
}

export function findFunctionDeclarator(d: Ast | undefined): Ast | undefined {
  let cur = d;
  for (let guard = 0; cur && guard < 16; guard++) {
    if (cur.type === 'function_declarator') return cur;
    cur = kids(cur).find((c) => c.type.endsWith('declarator'));
  }
  return undefined;
}

export function nameOfDeclarator(d: Ast | undefined, src: SourceView): string | undefined {
  let cur = d;
  for (let guard = 0; cur && guard < 16; guard++) {
    if (cur.type === 'identifier' || cur.type === 'field_identifier') return src.of(cur);
    cur = kids(cur).find((c) => c.type.endsWith('declarator') || c.type === 'identifier' || c.type === 'field_identifier');
  }
  return undefined;
}

function paramsOf(fnDecl: Ast, src: SourceView): ParamFact[] {
  const list = fnDecl.children.find((c) => c.type === 'parameter_list');
  if (!list) return [];
  const out: ParamFact[] = [];
  for (const p of kids(list)) {
    if (p.type !== 'parameter_declaration') continue;
    const decl = kids(p).find((c) => c.type.endsWith('declarator') || c.type === 'identifier');
    const name = decl ? nameOfDeclarator(decl, src) : undefined;
    if (!name) continue; // `void`
    const inner = decl ? findFunctionDeclarator(decl) : undefined;
    const pl = inner?.children.find((c) => c.type === 'parameter_list');
    const text = src.of(p).replace(/\s+/g, ' ');
    out.push({
      name,
      index: out.length,
      type: withoutWord(text, name).trim(),
      isFunctionPointer: !!inner,
      arity: pl ? kids(pl).filter((c) => c.type === 'parameter_declaration' && src.of(c).trim() !== 'void').length : undefined,
    });
  }
  return out;
}

/** `text` without the first whole-word `word` (a parameter's type is its text without its name); no regex built per name. */
function withoutWord(text: string, word: string): string {
  const isWord = (c: string | undefined) => !!c && /\w/.test(c);
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (!isWord(text[at - 1]) && !isWord(text[at + word.length])) return text.slice(0, at) + text.slice(at + word.length);
  }
  return text;
}

function collectLocals(n: Ast, src: SourceView, out: Set<string>): void {
  if (n.type === 'declaration') {
    for (const d of kids(n)) {
      if (d.type === 'init_declarator' || d.type.endsWith('declarator') || d.type === 'identifier') {
        const name = d.type === 'identifier' ? src.of(d) : nameOfDeclarator(d, src);
        if (name) out.add(name);
      }
    }
  }
  for (const c of n.children) if (c.named && c.type !== 'comment') collectLocals(c, src, out);
}

export { ERRNO };
export type { FieldBinding };

/** The one branch of `c ? a : b` that is a call (with the branch node as written), if exactly one is. */
function soleCallBranch(cond: Ast): { branch: Ast; call: Ast } | undefined {
  const [, yes, no] = kids(cond);
  const calls = [yes, no].filter((b): b is Ast => !!b && stripParens(b).type === 'call_expression');
  return calls.length === 1 ? { branch: calls[0], call: stripParens(calls[0]) } : undefined;
}
