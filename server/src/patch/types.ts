/**
 * A patch as reviewers receive it: one or more messages (a git format-patch
 * email, an mbox series, a reply quoting a patch, or a bare diff), each with
 * its files and hunks. Lines are 0-based lines of the patch document, so
 * findings can be placed on the `+`/`-` lines a reviewer reads.
 */

export type PatchLineKind = 'context' | 'add' | 'del';

export interface PatchLine {
  kind: PatchLineKind;
  /** The code, without the diff marker (and without a `> ` quote prefix). */
  text: string;
  /** 0-based line of the patch document this came from. */
  docLine: number;
  /** Column in the document where `text` starts (after quote prefix and marker). */
  docColumn: number;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the second `@@` (usually the enclosing function's signature). */
  section: string;
  /** 0-based document line of the `@@` header. */
  headerLine: number;
  lines: PatchLine[];
  /** Counts do not add up, lines were recovered, or something was dropped (archives lose blank lines and lone braces). */
  lossy: boolean;
  /** What was recovered or could not be, in a sentence each. */
  problems: string[];
}

export interface FilePatch {
  oldPath: string;
  newPath: string;
  /** 0-based document line of the `diff --git` / `---` header. */
  headerLine: number;
  hunks: Hunk[];
}

export interface Trailer {
  key: string;
  value: string;
  docLine: number;
}

/** A reviewer's comment interleaved with a quoted or archived patch: kept as prose, never code. */
export interface ReviewComment {
  docLine: number;
  endLine: number;
  text: string;
}

/** What a `Subject:` line says: the subject and its `[PATCH ...]` tag, taken apart. */
export interface SubjectParts {
  /** Subject without the `[PATCH ...]` tag. */
  subject: string;
  /** The bracketed tag as written, e.g. `[PATCH v2 3/7]`, `[RFC PATCH]`. */
  tag?: string;
  version?: number;
  index?: number;
  total?: number;
  rfc?: boolean;
}

export interface PatchMessage extends SubjectParts {
  from?: string;
  date?: string;
  messageId?: string;
  inReplyTo?: string;
  /** No subject anywhere: `subject` is the commit message's first line. */
  subjectGuessed?: boolean;
  /** Recipients and thread, as the headers give them (absent on archive pages). */
  to?: string;
  cc?: string;
  references?: string;
  /** Commit message body (between the headers and the `---`/diffstat). */
  body: string;
  trailers: Trailer[];
  files: FilePatch[];
  comments: ReviewComment[];
  /** The message quotes the patch with `> ` (a reply). */
  quoted: boolean;
  /** 0-based document lines of the message. */
  startLine: number;
  endLine: number;
}

export interface PatchProblem {
  docLine: number;
  message: string;
}

export interface PatchSet {
  messages: PatchMessage[];
  /** Input that could not be read as part of a patch (reported, never fatal). */
  problems: PatchProblem[];
}

/** Where each line of a hunk landed when applied to a base. */
export interface HunkPlacement {
  hunk: Hunk;
  /** 0-based first line of the hunk in the pre-image and in the post-image. */
  preStart: number;
  postStart: number;
  /** Per hunk line: its 0-based line in the pre-image (context/del) and post-image (context/add). */
  preLine: (number | undefined)[];
  postLine: (number | undefined)[];
  /** Lines the hunk was moved by from its header, and context lines ignored to make it fit. */
  offset: number;
  fuzz: number;
}

export interface ApplyResult {
  /** The text before and after the patch (the base is the pre-image for a forward apply). */
  pre: string;
  post: string;
  placed: HunkPlacement[];
  failed: { hunk: Hunk; reason: string }[];
}
