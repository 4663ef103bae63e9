/**
 * A diagnostic finding, independent of LSP and of output format. Spans are
 * 0-based offsets/lines/columns into the analysed text; presenters convert
 * (the CLI contract is 1-based).
 */
import type { Span } from '../parse/outline';

export type Severity = 'error' | 'warning' | 'information';

export interface RelatedLocation {
  span: Span;
  message: string;
}

export interface Finding {
  /** Stable rule id from DESIGN.md (AQ101...). */
  rule: string;
  severity: Severity;
  message: string;
  /** The function the finding is reported in ('' for file-level). */
  function: string;
  span: Span;
  related: RelatedLocation[];
  /** A position-independent key (rule + function + what), for patch review. */
  anchor: string;
}

export const SEVERITY_RANK: Record<Severity, number> = { information: 0, warning: 1, error: 2 };
