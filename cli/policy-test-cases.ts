// Parameterized tests as `opa test` runs them (OPA's tester/runner.go): a test rule with a
// variable key, `test_x[k] if { … }`, is a partial object whose keys are its cases. A case PASSes
// when its value is true. A case whose body fails after its key was bound is not in the object,
// yet OPA reports it as a FAIL: its runner injects a call marking the case as started right after
// the first expressions that mention the key's variables, and every started case without a true
// value fails.
//
// warden cannot trace a WASM evaluation, so the same point is found in the source: a companion
// rule `<STARTED><name> contains <key> if { <the body up to that point> }` is appended to the
// module and evaluated beside the test. Its keys are the started cases.

import type { Expr, Rule, Term } from '../compiler/src/ast.ts';
import { exprTerms, varsOf } from '../compiler/src/check/walk.ts';

/** Name prefix of the companion rules (never a test: it does not start with test_). */
export const STARTED = '__warden_started_';

function offsetOf(lineStarts: number[], row: number, col: number): number {
  return (lineStarts[row - 1] ?? 0) + col - 1;
}

function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** Offset just past the `]` that closes a head key starting at `from` (strings and nesting skipped). */
function keyEnd(source: string, from: number): number | null {
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (c === '"' || c === '`') {
      const close = c;
      for (i++; i < source.length && source[i] !== close; i++) if (close === '"' && source[i] === '\\') i++;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === '}') depth--;
    else if (c === ']') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return null;
}

/** Vars an expression mentions (a plain `some x` declaration binds nothing: OPA drops it). */
function exprVars(e: Expr): Set<string> {
  const out = new Set<string>();
  if (!Array.isArray(e.terms) && 'type' in e.terms && e.terms.type === 'some') return out;
  for (const t of exprTerms(e)) varsOf(t, false, out);
  return out;
}

/**
 * The companion rule's source for a parameterized test rule (to append to its module; `name` is
 * the rule's name in the compiled source, when renamed as a duplicate), or null
 * when every started case is also a produced one (the key is bound by the body's last expression)
 * or the rule is not of that form.
 */
export function startedCasesRule(source: string, rule: Rule, name: string = rule.head.name): string | null {
  const head = rule.head;
  if (rule.else !== null || head.contains || head.args !== null || head.ref.length !== 2) return null;
  const key: Term = head.ref[1]!;
  const keyVars = varsOf(key, false);
  if (keyVars.size === 0 || rule.body.length < 2) return null;
  // OPA injects the marker below the first expression mentioning each key var, after the last of those.
  let inject = -1;
  for (const v of keyVars) {
    const i = rule.body.findIndex((e) => exprVars(e).has(v));
    if (i < 0) return null;
    inject = Math.max(inject, i);
  }
  if (inject >= rule.body.length - 1) return null;
  const starts = lineStartsOf(source);
  const keyFrom = offsetOf(starts, key.location.row, key.location.col);
  const keyTo = keyEnd(source, keyFrom);
  if (keyTo === null) return null;
  const bodyFrom = offsetOf(starts, rule.body[0]!.location.row, rule.body[0]!.location.col);
  const next = rule.body[inject + 1]!.location;
  const bodyTo = offsetOf(starts, next.row, next.col);
  const prefix = source.slice(bodyFrom, bodyTo).replace(/[\s;]+$/, '');
  return `\n${STARTED}${name} contains ${source.slice(keyFrom, keyTo)} if {\n${prefix}\n}\n`;
}

export interface CaseResult {
  /** The case's name as OPA prints it: a string key as is, another key as JSON. */
  name: string;
  pass: boolean;
}

function caseName(k: unknown): string {
  return typeof k === 'string' ? k : JSON.stringify(k);
}

/**
 * The cases of a parameterized test: each key of its object (passing when its value is true) and
 * each started case that produced no key (failing), sorted by name as OPA reports them.
 */
export function caseResults(produced: unknown, started: unknown): CaseResult[] {
  const out = new Map<string, boolean>();
  if (produced && typeof produced === 'object' && !Array.isArray(produced)) {
    for (const [k, v] of Object.entries(produced as Record<string, unknown>)) out.set(k, v === true);
  }
  if (Array.isArray(started)) {
    for (const k of started) {
      const name = caseName(k);
      if (!out.has(name)) out.set(name, false);
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, pass]) => ({ name, pass }));
}
