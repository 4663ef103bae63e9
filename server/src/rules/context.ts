/**
 * What every rule gets: the model, span helpers, and a finding builder that
 * fills the catalogue's severity and a position-independent anchor.
 */
import { absoluteSpan, FunctionEntry } from '../facts/fileFacts';
import type { Loc } from '../facts/types';
import type { QueueModel } from '../model';
import type { Span } from '../parse/outline';
import { RULE_BY_ID } from './catalogue';
import type { Finding, RelatedLocation, Severity } from './finding';

export class RuleContext {
  constructor(readonly model: QueueModel) {}

  get source() {
    return this.model.file.source;
  }

  fn(name: string): FunctionEntry {
    return this.model.file.functions.get(name)!;
  }

  /** Span of a fact location inside function `fn`. */
  span(fn: string, loc: Loc): Span {
    return absoluteSpan(this.source, this.fn(fn).base, loc);
  }

  /** Span of an absolute offset range. */
  abs(start: number, end: number): Span {
    return absoluteSpan(this.source, 0, { start, end });
  }

  /** Span of the source line starting at absolute offset `start` (first statement token to line end). */
  lineSpan(start: number): Span {
    const p = this.source.lines.positionAt(start);
    const text = this.source.lines.lineText(p.line);
    const end = start + Math.max(1, text.length - p.character);
    return this.abs(start, end);
  }

  related(span: Span, message: string): RelatedLocation {
    return { span, message };
  }

  finding(rule: string, fn: string, span: Span, message: string, related: RelatedLocation[], anchor: string, severity?: Severity): Finding {
    const info = RULE_BY_ID.get(rule);
    return { rule, severity: severity ?? info?.severity ?? 'warning', message, function: fn, span, related, anchor: `${rule}|${fn}|${anchor}` };
  }
}
