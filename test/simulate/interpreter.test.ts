/**
 * The interpreter on a fixture of our own: one C construct per function, each
 * returning a number worked out by hand. The kernel around it is the modelled
 * one, so errno constants and file macros resolve as they do in a run.
 */
import { describe, expect, it } from 'vitest';
import { Analyser } from '../../server/src/analyser';
import { World } from '../../server/src/simulate/kernel';
import { Machine } from '../../server/src/simulate/machine';
import { fixture } from '../shared';

function machine(text = fixture('simulate/interp.c')): Machine {
  const model = new Analyser().analyseText(text).model;
  const world = new World({ limit: 64, send: { outcome: () => 0 }, traceSize: 16, drains: new Map(), sendTimeout: 0 }, model.file.constants);
  return new Machine(model, world, 10_000);
}

describe('the interpreter', () => {
  it('does arithmetic, compound assignment, shifts and file macros', () => {
    expect(machine().call('add_mul', [2, 3])).toBe(41);
  });

  it('evaluates the conditional operator', () => {
    const m = machine();
    expect(m.call('ternary', [5])).toBe(50);
    expect(m.call('ternary', [2])).toBe(-2);
  });

  it('runs for with continue and break, do-while and while', () => {
    const m = machine();
    expect(m.call('loops', [10])).toBe(29);
    expect(m.call('loops', [4])).toBe(30);
  });

  it('jumps back to a label with goto (v4.10 kauditd_thread\'s quick_loop)', () => {
    const m = machine();
    expect(m.call('with_goto', [3])).toBe(3);
    expect(m.call('with_goto', [10])).toBe(5); // TRIES, a macro defined in the file
  });

  it('takes switch cases, fall-through labels and default', () => {
    const m = machine();
    expect(m.call('pick', [1])).toBe(10);
    expect(m.call('pick', [3])).toBe(23);
    expect(m.call('pick', [9])).toBe(-1);
  });

  it('keeps static locals and globals across calls', () => {
    const m = machine();
    expect(m.call('bump', [])).toBe(1);
    expect(m.call('bump', [])).toBe(2);
    expect(m.global('counter').v).toBe(4);
  });

  it('calls through function pointers, with and without the explicit dereference', () => {
    expect(machine().call('through_pointer', [{ kind: 'fn', name: 'twice' }, 4])).toBe(16);
  });

  it('short-circuits logic and compares', () => {
    const m = machine();
    expect(m.call('logic', [1, 0])).toBe(18);
    expect(m.call('logic', [0, 0])).toBe(12);
  });

  it('compares with the kernel\'s error constants', () => {
    const m = machine();
    expect(m.call('errors', [-11])).toBe(1); // -EAGAIN
    expect(m.call('errors', [-111])).toBe(2); // -ECONNREFUSED
    expect(m.call('errors', [-1])).toBe(2); // -EPERM
    expect(m.call('errors', [0])).toBe(0);
  });

  it('stops a call that never returns with a livelock error instead of hanging', () => {
    const m = machine('static int spin(void)\n{\n\tint x = 0;\n\n\twhile (1)\n\t\tx++;\n\treturn x;\n}\n');
    expect(() => m.call('spin', [])).toThrow(/more than 10000 steps inside one call of spin\(\)/);
  });
});
