import { beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import { auditlens, ensureBuilt, EXAMPLE, expectBadInput } from './cliProcess';

beforeAll(ensureBuilt);

describe('auditlens usage', () => {
  it('prints usage for --help, -h and help (exit 0)', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = auditlens(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('auditlens check [options] FILE.c...');
      expect(r.stdout).toContain('auditlens explain FILE.c SYMBOL');
      expect(r.stderr).toBe('');
    }
  });

  it('prints check help for `check --help` and `help check`', () => {
    for (const args of [['check', '--help'], ['help', 'check']]) {
      const r = auditlens(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('--format text|json|sarif');
      expect(r.stdout).toContain('--max-size BYTES');
      expect(r.stdout).toContain('--exit-zero');
    }
  });

  it('prints the package version', () => {
    const r = auditlens(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^auditlens ${version.replace(/\./g, '\\.')}\nparser: (native|WebAssembly) tree-sitter .*\n$`));
  });

  it('offers every command, kcsan included, and promises none for later', () => {
    const usage = auditlens(['--help']).stdout;
    expect(usage).toContain('auditlens simulate FILE.c --scenario NAME');
    expect(usage).toContain('auditlens kcsan REPORT [--base FILE.c]');
    expect(usage).not.toMatch(/Coming later/);
  });

  it('exits 2 with one line without a command', () => {
    expectBadInput(auditlens([]), /missing command/);
  });

  it('exits 2 on an unknown command or top-level option', () => {
    expectBadInput(auditlens(['frobnicate', EXAMPLE]), /unknown command 'frobnicate'/);
    expectBadInput(auditlens(['--frobnicate']), /unknown option '--frobnicate'/);
    expectBadInput(auditlens(['help', 'frobnicate']), /unknown command 'frobnicate'/);
  });

  it('exits 2 on unknown or malformed check options', () => {
    expectBadInput(auditlens(['check', '--frobnicate', EXAMPLE]), /unknown option '--frobnicate'/);
    expectBadInput(auditlens(['check', '-x', EXAMPLE]), /unknown option '-x'/);
    expectBadInput(auditlens(['check', '--format', 'xml', EXAMPLE]), /--format must be one of text, json, sarif \(got 'xml'\)/);
    expectBadInput(auditlens(['check', EXAMPLE, '--format']), /'--format' needs a value/);
    expectBadInput(auditlens(['check', '--max-size', 'lots', EXAMPLE]), /--max-size must be a positive number/);
    expectBadInput(auditlens(['check', '--max-size=0', EXAMPLE]), /--max-size must be a positive number/);
    expectBadInput(auditlens(['check', '--exit-zero=yes', EXAMPLE]), /'--exit-zero' takes no value/);
  });

  it('exits 2 when check has no files', () => {
    expectBadInput(auditlens(['check']), /no input files/);
    expectBadInput(auditlens(['check', '--format', 'json']), /no input files/);
  });
});
