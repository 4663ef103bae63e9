/**
 * A unified diff of two texts (Myers' O(ND) algorithm, three lines of
 * context), as `git diff` writes it. Used to review working-tree changes
 * against HEAD and, in tests, to make patches from images.
 */

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Line-level edit script from a to b. */
export function editScript(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[offset + k] = x;
      if (x >= n && y >= m) { found = true; break; }
    }
  }
  // backtrack
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) { ops.push({ kind: ' ', line: a[x - 1] }); x--; y--; }
    if (d === 0) break;
    if (x === prevX) { ops.push({ kind: '+', line: b[y - 1] }); y--; } else { ops.push({ kind: '-', line: a[x - 1] }); x--; }
  }
  while (x > 0 && y > 0) { ops.push({ kind: ' ', line: a[x - 1] }); x--; y--; }
  return ops.reverse();
}

export function unifiedDiff(before: string, after: string, path: string, context = 3): string {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a[a.length - 1] === '' && b[b.length - 1] === '') { a.pop(); b.pop(); }
  const ops = editScript(a, b);
  const out: string[] = [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`];
  let i = 0;
  let oldLine = 1;
  let newLine = 1;
  const pos: { old: number; new: number }[] = [];
  for (const op of ops) {
    pos.push({ old: oldLine, new: newLine });
    if (op.kind !== '+') oldLine++;
    if (op.kind !== '-') newLine++;
  }
  while (i < ops.length) {
    if (ops[i].kind === ' ') { i++; continue; }
    // a hunk: back up over context, then extend while changes are within 2*context lines
    const start = Math.max(0, i - context);
    let end = i;
    let quiet = 0;
    while (end < ops.length) {
      if (ops[end].kind === ' ') quiet++;
      else quiet = 0;
      if (quiet > 2 * context) break;
      end++;
    }
    end = Math.min(ops.length, end - Math.max(0, quiet - context));
    const slice = ops.slice(start, end);
    const oldCount = slice.filter((o) => o.kind !== '+').length;
    const newCount = slice.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${pos[start].old},${oldCount} +${pos[start].new},${newCount} @@`);
    for (const o of slice) out.push(`${o.kind}${o.line}`);
    i = end;
  }
  return out.length > 3 ? `${out.join('\n')}\n` : '';
}
