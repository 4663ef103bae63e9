/**
 * Control-flow graph of one function body, built backwards from the exit so
 * that every statement knows its successor: branches (if, loops, switch with
 * fall-through), break/continue, return, and goto to labels (v4.10's
 * `goto quick_loop`, today's `goto main_queue`, error paths `goto drop`).
 * Leaves are simple statements and branch conditions; facts attach to them.
 */
import { Ast, kids } from './ast';

export type CfgKind = 'entry' | 'exit' | 'stmt' | 'cond' | 'switch' | 'return' | 'label' | 'goto' | 'join';

export interface Edge {
  to: number;
  /** For `cond` nodes: which way the condition went. */
  branch?: boolean;
  /** For `switch` nodes: the case value expression, or 'default'. */
  caseValue?: Ast | 'default';
}

export interface CfgNode {
  id: number;
  kind: CfgKind;
  /** The statement (stmt/return) or condition expression (cond/switch) this node stands for. */
  ast?: Ast;
  succ: Edge[];
  /** For loop conditions: the loop statement. */
  loop?: Ast;
  /** For labels: the label name. */
  label?: string;
  /** For switch nodes: the whole switch statement (case regions are inside it). */
  stmt?: Ast;
}

export interface Cfg {
  nodes: CfgNode[];
  entry: number;
  exit: number;
  /** Loop statements with the id of their head (condition) node; backward gotos count as loops. */
  loops: { stmt: Ast; head: number; body: Ast; viaGoto?: string }[];
}

interface Targets {
  brk?: number;
  cont?: number;
}

export function buildCfg(body: Ast, labelName: (n: Ast) => string): Cfg {
  const nodes: CfgNode[] = [];
  const loops: Cfg['loops'] = [];
  const add = (kind: CfgKind, ast?: Ast, succ: Edge[] = []): number => {
    nodes.push({ id: nodes.length, kind, ast, succ });
    return nodes.length - 1;
  };
  const entry = add('entry');
  const exit = add('exit');

  // Labels first, so forward and backward gotos resolve alike.
  const labels = new Map<string, number>();
  const labelAst = new Map<string, Ast>();
  const gotos: { node: number; ast: Ast; label: string }[] = [];
  const collectLabels = (n: Ast) => {
    if (n.type === 'labeled_statement') {
      const name = labelName(n);
      const id = add('label');
      nodes[id].label = name;
      labels.set(name, id);
      labelAst.set(name, n);
    }
    for (const c of n.children) if (c.named && c.type !== 'expression_statement') collectLabels(c);
  };
  collectLabels(body);

  const seq = (stmts: Ast[], next: number, t: Targets): number => {
    let cur = next;
    for (let i = stmts.length - 1; i >= 0; i--) cur = build(stmts[i], cur, t);
    return cur;
  };

  const build = (s: Ast, next: number, t: Targets): number => {
    switch (s.type) {
      case 'compound_statement':
        return seq(kids(s), next, t);
      case 'if_statement': {
        const [cond, cons, alt] = kids(s);
        const c = add('cond', cond);
        const thenEntry = cons ? build(cons, next, t) : next;
        const elseStmt = alt && alt.type === 'else_clause' ? kids(alt)[0] : undefined;
        const elseEntry = elseStmt ? build(elseStmt, next, t) : next;
        nodes[c].succ = [{ to: thenEntry, branch: true }, { to: elseEntry, branch: false }];
        return c;
      }
      case 'while_statement': {
        const [cond, bodyStmt] = kids(s);
        const c = add('cond', cond);
        nodes[c].loop = s;
        const bodyEntry = bodyStmt ? build(bodyStmt, c, { brk: next, cont: c }) : c;
        nodes[c].succ = [{ to: bodyEntry, branch: true }, { to: next, branch: false }];
        if (bodyStmt) loops.push({ stmt: s, head: c, body: bodyStmt });
        return c;
      }
      case 'do_statement': {
        const [bodyStmt, cond] = kids(s);
        const c = add('cond', cond);
        nodes[c].loop = s;
        const bodyEntry = bodyStmt ? build(bodyStmt, c, { brk: next, cont: c }) : c;
        nodes[c].succ = [{ to: bodyEntry, branch: true }, { to: next, branch: false }];
        if (bodyStmt) loops.push({ stmt: s, head: c, body: bodyStmt });
        return bodyEntry;
      }
      case 'for_statement': {
        let init: Ast | undefined;
        let cond: Ast | undefined;
        let update: Ast | undefined;
        let bodyStmt: Ast | undefined;
        for (const c of s.children) {
          if (!c.named || c.type === 'comment') continue;
          if (c.field === 'initializer') init = c;
          else if (c.field === 'condition') cond = c;
          else if (c.field === 'update') update = c;
          else if (c.field === 'body' || !c.field) bodyStmt = c;
        }
        const head = cond ? add('cond', cond) : add('join');
        nodes[head].loop = s;
        const upd = update ? add('stmt', update, [{ to: head }]) : head;
        const bodyEntry = bodyStmt ? build(bodyStmt, upd, { brk: next, cont: upd }) : upd;
        nodes[head].succ = cond ? [{ to: bodyEntry, branch: true }, { to: next, branch: false }] : [{ to: bodyEntry }];
        if (bodyStmt) loops.push({ stmt: s, head, body: bodyStmt });
        return init ? add('stmt', init, [{ to: head }]) : head;
      }
      case 'switch_statement': {
        const [cond, bodyStmt] = kids(s);
        const sw = add('switch', cond);
        nodes[sw].stmt = s;
        const cases = bodyStmt ? kids(bodyStmt) : [];
        const inner: Targets = { brk: next, cont: t.cont };
        let fall = next;
        let hasDefault = false;
        const edges: Edge[] = [];
        for (let i = cases.length - 1; i >= 0; i--) {
          const c = cases[i];
          if (c.type !== 'case_statement') { fall = build(c, fall, inner); continue; }
          const value = c.children.find((x) => x.field === 'value');
          const stmts = kids(c).filter((x) => x !== value);
          fall = seq(stmts, fall, inner);
          if (!value) hasDefault = true;
          edges.unshift({ to: fall, caseValue: value ?? 'default' });
        }
        if (!hasDefault) edges.push({ to: next, caseValue: 'default' });
        nodes[sw].succ = edges;
        return sw;
      }
      case 'return_statement':
        return add('return', s, [{ to: exit }]);
      case 'break_statement':
        return t.brk ?? next;
      case 'continue_statement':
        return t.cont ?? next;
      case 'goto_statement': {
        const name = labelName(s);
        const target = labels.get(name);
        const id = add('goto', s, [{ to: target ?? exit }]);
        gotos.push({ node: id, ast: s, label: name });
        return id;
      }
      case 'labeled_statement': {
        const id = labels.get(labelName(s));
        const inner = kids(s).filter((c) => c.type !== 'statement_identifier');
        const after = seq(inner, next, t);
        if (id === undefined) return after;
        nodes[id].succ = [{ to: after }];
        return id;
      }
      case 'preproc_ifdef':
      case 'preproc_if':
      case 'preproc_else':
      case 'preproc_elif': {
        // Either configuration may be built: both arms are possible paths.
        const armStmts = kids(s).filter((c) => !/^preproc_(else|elif)$/.test(c.type) && c.type !== 'identifier' && !c.type.startsWith('preproc_defined') && c.type !== 'binary_expression' && c.type !== 'unary_expression' && c.type !== 'preproc_arg' && c.type !== 'number_literal' && c.type !== 'call_expression');
        const alt = kids(s).find((c) => /^preproc_(else|elif)$/.test(c.type));
        const j = add('cond');
        const armEntry = seq(armStmts, next, t);
        const altEntry = alt ? build(alt, next, t) : next;
        nodes[j].succ = [{ to: armEntry, branch: true }, { to: altEntry, branch: false }];
        return j;
      }
      case 'comment':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_call':
      case 'preproc_include':
        return next;
      default:
        return add('stmt', s, [{ to: next }]);
    }
  };

  const first = build(body, exit, {});
  nodes[entry].succ = [{ to: first }];
  // `quick_loop: ... goto quick_loop;` (v4.10's kauditd_thread) is a loop too.
  for (const g of gotos) {
    const l = labelAst.get(g.label);
    const head = labels.get(g.label);
    if (!l || head === undefined || l.start >= g.ast.start) continue;
    const span: Ast = { type: 'goto_loop', named: true, start: l.start, end: g.ast.end, children: [] };
    loops.push({ stmt: span, head, body: span, viaGoto: g.label });
  }
  return { nodes, entry, exit, loops };
}

const predCache = new WeakMap<Cfg, number[][]>();
const orderCache = new WeakMap<Cfg, number[]>();

/** Predecessor lists, computed once per CFG (CFGs are immutable and shared through the fact cache). */
export function predecessors(cfg: Cfg): number[][] {
  let preds = predCache.get(cfg);
  if (preds) return preds;
  preds = cfg.nodes.map(() => []);
  for (const n of cfg.nodes) for (const e of n.succ) preds[e.to].push(n.id);
  predCache.set(cfg, preds);
  return preds;
}

/** Reverse post-order from the entry (unreachable nodes last), computed once per CFG. */
export function reversePostOrder(cfg: Cfg): number[] {
  let order = orderCache.get(cfg);
  if (!order) orderCache.set(cfg, (order = computeReversePostOrder(cfg)));
  return order;
}

function computeReversePostOrder(cfg: Cfg): number[] {
  const seen = new Uint8Array(cfg.nodes.length);
  const order: number[] = [];
  const stack: [number, number][] = [[cfg.entry, 0]];
  seen[cfg.entry] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1];
    const node = cfg.nodes[top[0]];
    if (top[1] < node.succ.length) {
      const to = node.succ[top[1]++].to;
      if (!seen[to]) { seen[to] = 1; stack.push([to, 0]); }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  order.reverse();
  for (const n of cfg.nodes) if (!seen[n.id]) order.push(n.id);
  return order;
}
