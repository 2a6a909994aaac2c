// `# METADATA` comment blocks (OPA annotations): a comment line `METADATA` followed by
// consecutive comment lines of YAML, attached to the package or rule that follows the block.
// Normalized as OPA reports them (rego.metadata.rule()/chain()): default scope, authors and
// related resources as objects.

import YAML from 'yaml';
import type { Annotation, JsonValue, Module } from '../ast.ts';
import { diagnostic, diagnosticError } from '../diagnostics.ts';
import type { Comment } from '../lexer/lexer.ts';

interface Block {
  row: number;
  col: number;
  endRow: number;
  yaml: string;
}

function blocks(comments: Comment[]): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i]!;
    if (c.text.trim() !== 'METADATA') continue;
    const lines: string[] = [];
    let end = c.row;
    let j = i + 1;
    while (j < comments.length && comments[j]!.row === end + 1 && comments[j]!.text.trim() !== 'METADATA') {
      lines.push(comments[j]!.text);
      end = comments[j]!.row;
      j++;
    }
    // Comment text keeps the space after `#`; drop one leading space when every line has it.
    const body = lines.every((l) => l === '' || l.startsWith(' ')) ? lines.map((l) => l.slice(1)) : lines;
    out.push({ row: c.row, col: c.col, endRow: end, yaml: body.join('\n') });
    i = j - 1;
  }
  return out;
}

function toJson(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const o: { [k: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = toJson(x);
    return o;
  }
  return String(v);
}

/** "Jane Doe <jane@example.com>" → { name, email }. */
function author(v: JsonValue): JsonValue {
  if (typeof v !== 'string') return v;
  const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(v);
  if (!m) return { name: v.trim() };
  return m[1] ? { name: m[1], email: m[2]! } : { email: m[2]! };
}

function normalize(raw: JsonValue, defaultScope: string, file: string, b: Block): Annotation {
  if (raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw diagnosticError(diagnostic('rego_parse_error', { file, row: b.row, col: b.col }, 'invalid METADATA block: expected a YAML mapping'));
  }
  const out: Annotation = { ...raw, scope: typeof raw.scope === 'string' ? raw.scope : defaultScope };
  if (Array.isArray(raw.authors)) out.authors = raw.authors.map(author);
  if (Array.isArray(raw.related_resources)) {
    out.related_resources = raw.related_resources.map((r) => (typeof r === 'string' ? { ref: r } : r));
  }
  return out;
}

/** Attaches the METADATA blocks of `comments` to the module's package and rules (in place). */
export function attachAnnotations(m: Module, comments: Comment[], file: string): void {
  const bs = blocks(comments);
  if (bs.length === 0) return;
  const targets: { row: number; kind: 'package' | 'rule'; index: number }[] = [
    { row: m.package.location.row, kind: 'package' as const, index: -1 },
    ...m.rules.map((r, index) => ({ row: r.location.row, kind: 'rule' as const, index })),
  ].sort((a, b) => a.row - b.row);
  for (const b of bs) {
    let parsed: unknown;
    try {
      parsed = YAML.parse(b.yaml);
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw diagnosticError(diagnostic('rego_parse_error', { file, row: b.row, col: b.col }, `invalid METADATA block: ${msg}`));
    }
    const target = targets.find((t) => t.row > b.endRow);
    if (!target) continue;
    if (target.kind === 'package') {
      const a = normalize(toJson(parsed), 'package', file, b);
      (m.package.annotations ??= []).push(a);
    } else {
      const rule = m.rules[target.index]!;
      const a = normalize(toJson(parsed), 'rule', file, b);
      (rule.annotations ??= []).push(a);
    }
  }
}
