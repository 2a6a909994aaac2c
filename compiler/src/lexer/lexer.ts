// Rego lexer: source text → tokens with 1-based row/col. Comments and whitespace are dropped but
// recorded on the next token (`nl`, `ws`) because Rego separates body expressions by newlines.

import { diagnostic, diagnosticError } from '../diagnostics.ts';
import type { TemplatePart, Token, TokenKind } from './tokens.ts';

const PUNCT2: readonly string[] = [':=', '==', '!=', '<=', '>='];
const PUNCT1 = new Set('=<>+-*/%&|()[]{},;.:');

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Tokenizes `source`; throws DiagnosticError (code rego_parse_error) on the first bad character. */
export function tokenize(source: string, file: string, comments?: Comment[]): Token[] {
  return tokenizeRange(source, file, 0, source.length, 1, 0, comments);
}

/** A `#` comment: its text after the `#`, and where the `#` is. */
export interface Comment {
  text: string;
  row: number;
  col: number;
}

/** Tokenizes source[from, to) whose first character sits on `startRow` (line starting at `lineStartAt`). */
function tokenizeRange(
  source: string,
  file: string,
  from: number,
  to: number,
  startRow: number,
  lineStartAt: number,
  comments?: Comment[],
): Token[] {
  const tokens: Token[] = [];
  let i = from;
  let row = startRow;
  let lineStart = lineStartAt;
  let nl = false;
  let ws = false;
  const n = to;

  const fail = (offset: number, message: string): never => {
    // Row/col of `offset`: count lines up to it (errors are rare, so recomputing is fine).
    let r = 1;
    let ls = 0;
    for (let k = 0; k < offset && k < source.length; k++) {
      if (source.charCodeAt(k) === 10) {
        r++;
        ls = k + 1;
      }
    }
    throw diagnosticError(diagnostic('rego_parse_error', { file, row: r, col: offset - ls + 1 }, message));
  };

  const push = (kind: TokenKind, start: number, end: number, startRow: number, startCol: number, value?: string): void => {
    const t: Token = { kind, text: source.slice(start, end), row: startRow, col: startCol, offset: start, end, nl, ws };
    if (value !== undefined) t.value = value;
    tokens.push(t);
    nl = false;
    ws = false;
  };

  while (i < n) {
    const c = source.charCodeAt(i);
    // Whitespace and newlines
    if (c === 10) {
      i++;
      row++;
      lineStart = i;
      nl = true;
      ws = true;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 0xfeff) {
      i++;
      ws = true;
      continue;
    }
    // Comments
    if (c === 35 /* # */) {
      const at = i;
      while (i < n && source.charCodeAt(i) !== 10) i++;
      comments?.push({ text: source.slice(at + 1, i).replace(/\r$/, ''), row, col: at - lineStart + 1 });
      ws = true;
      continue;
    }
    const start = i;
    const col = i - lineStart + 1;
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(source.charCodeAt(i))) i++;
      push('ident', start, i, row, col);
      continue;
    }
    if (isDigit(c) || (c === 46 /* . */ && isDigit(source.charCodeAt(i + 1)) && !prevEndsTerm(tokens, nl || ws))) {
      while (i < n && isDigit(source.charCodeAt(i))) i++;
      if (source.charCodeAt(i) === 46 && isDigit(source.charCodeAt(i + 1))) {
        i++;
        while (i < n && isDigit(source.charCodeAt(i))) i++;
      }
      const e = source.charCodeAt(i);
      if (e === 101 || e === 69) {
        let j = i + 1;
        const s = source.charCodeAt(j);
        if (s === 43 || s === 45) j++;
        if (isDigit(source.charCodeAt(j))) {
          i = j;
          while (i < n && isDigit(source.charCodeAt(i))) i++;
        }
      }
      if (i < n && (isIdentStart(source.charCodeAt(i)) || source.charCodeAt(i) === 46) && !(source.charCodeAt(i) === 46 && !isDigit(source.charCodeAt(i + 1)))) {
        fail(i, `illegal number format`);
      }
      push('number', start, i, row, col);
      continue;
    }
    if (c === 34 /* " */) {
      i++;
      for (;;) {
        if (i >= n) fail(start, 'non-terminated string');
        const d = source.charCodeAt(i);
        if (d === 10) fail(start, 'non-terminated string');
        if (d === 92 /* \ */) {
          i += 2;
          continue;
        }
        i++;
        if (d === 34) break;
      }
      const text = source.slice(start, i);
      let value: string;
      try {
        value = JSON.parse(text) as string;
      } catch {
        value = fail(start, `illegal string literal: ${text.length > 40 ? text.slice(0, 40) + '…' : text}`);
      }
      push('string', start, i, row, col, value);
      continue;
    }
    if (c === 96 /* ` */) {
      const startRow = row;
      i++;
      while (i < n && source.charCodeAt(i) !== 96) {
        if (source.charCodeAt(i) === 10) {
          row++;
          lineStart = i + 1;
        }
        i++;
      }
      if (i >= n) fail(start, 'non-terminated raw string');
      i++;
      push('rawstring', start, i, startRow, col, source.slice(start + 1, i - 1));
      continue;
    }
    if (c === 36 /* $ */ && (source.charCodeAt(i + 1) === 34 || source.charCodeAt(i + 1) === 96)) {
      const parts: TemplatePart[] = [];
      const startRow = row;
      i = scanTemplate(i, parts);
      const t: Token = { kind: 'template', text: source.slice(start, i), row: startRow, col, offset: start, end: i, nl, ws, template: parts };
      tokens.push(t);
      nl = false;
      ws = false;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      i += 2;
      push(two as TokenKind, start, i, row, col);
      continue;
    }
    const ch = source[i] ?? '';
    if (PUNCT1.has(ch)) {
      i++;
      push(ch as TokenKind, start, i, row, col);
      continue;
    }
    const cp = source.codePointAt(i) ?? c;
    fail(i, `illegal token: unexpected character ${JSON.stringify(String.fromCodePoint(cp))}`);
  }
  // `$"text {expr} text"` (single-line, JSON escapes) or $`text {expr} text` (raw, multi-line):
  // returns the offset after the closing quote. `\{` is a literal brace in both. Embedded
  // expressions are tokenized here, with their true positions. With parts === null it only skips.
  function scanTemplate(at: number, parts: TemplatePart[] | null): number {
    const raw = source.charCodeAt(at + 1) === 96;
    const close = raw ? 96 : 34;
    let j = at + 2;
    let chunk = '';
    const flush = (): void => {
      if (!parts || chunk === '') return;
      let value: string;
      if (raw) value = chunk;
      else {
        try {
          value = JSON.parse('"' + chunk + '"') as string;
        } catch {
          value = fail(at, 'illegal template string literal');
        }
      }
      parts.push({ kind: 'text', value });
      chunk = '';
    };
    const newline = (k: number): void => {
      if (!raw) fail(at, 'non-terminated template string');
      row++;
      lineStart = k + 1;
    };
    for (;;) {
      if (j >= n) fail(at, 'non-terminated template string');
      const d = source.charCodeAt(j);
      if (d === 10) newline(j);
      if (d === 92 /* backslash */) {
        if (source.charCodeAt(j + 1) === 123) {
          chunk += '{';
          j += 2;
          continue;
        }
        if (!raw) {
          chunk += source.slice(j, j + 2);
          j += 2;
          continue;
        }
      }
      if (d === close) {
        flush();
        return j + 1;
      }
      if (d === 123 /* { */) {
        flush();
        const exprStart = j + 1;
        const exprRow = row;
        const exprLineStart = lineStart;
        let depth = 1;
        let k = exprStart;
        while (depth > 0) {
          if (k >= n) fail(at, 'non-terminated template string');
          const e = source.charCodeAt(k);
          if (e === 10) newline(k);
          if (e === 36 && (source.charCodeAt(k + 1) === 34 || source.charCodeAt(k + 1) === 96)) {
            k = scanTemplate(k, null);
            continue;
          }
          if (e === 34) {
            k++;
            while (k < n && source.charCodeAt(k) !== 34 && source.charCodeAt(k) !== 10) k += source.charCodeAt(k) === 92 ? 2 : 1;
            k++;
            continue;
          }
          if (e === 96) {
            k++;
            while (k < n && source.charCodeAt(k) !== 96) {
              if (source.charCodeAt(k) === 10) newline(k);
              k++;
            }
            k++;
            continue;
          }
          if (e === 123) depth++;
          else if (e === 125) depth--;
          k++;
        }
        if (parts) parts.push({ kind: 'expr', tokens: tokenizeRange(source, file, exprStart, k - 1, exprRow, exprLineStart) });
        j = k;
        continue;
      }
      chunk += source[j];
      j++;
    }
  }

  tokens.push({ kind: 'eof', text: '', row, col: i - lineStart + 1, offset: n, end: n, nl, ws });
  return tokens;
}

/** A `.` directly after an identifier, `)`, `]` or `}` is a ref dot, not the start of `.5`. */
function prevEndsTerm(tokens: Token[], separated: boolean): boolean {
  if (separated) return false;
  const p = tokens[tokens.length - 1];
  if (!p) return false;
  return p.kind === 'ident' || p.kind === ')' || p.kind === ']' || p.kind === '}' || p.kind === 'string' || p.kind === 'number' || p.kind === 'rawstring';
}
