// Small traversal helpers over terms and expressions.

import type { Body, Expr, Term } from '../ast.ts';
import { isBuiltin } from '../builtins/decls.ts';

/** Calls f on every term reachable from t (t included), descending into closures unless skipClosures. */
export function forEachTerm(t: Term, f: (t: Term) => void, skipClosures = false): void {
  f(t);
  const v = t.value;
  switch (v.type) {
    case 'ref':
      forEachTerm(v.head, f, skipClosures);
      for (const p of v.path) forEachTerm(p, f, skipClosures);
      break;
    case 'array':
    case 'set':
      for (const x of v.items) forEachTerm(x, f, skipClosures);
      break;
    case 'object':
      for (const [k, x] of v.items) {
        forEachTerm(k, f, skipClosures);
        forEachTerm(x, f, skipClosures);
      }
      break;
    case 'call':
      // The operator is a name, not a value: not visited (see the call value itself).
      for (const a of v.args) forEachTerm(a, f, skipClosures);
      break;
    case 'arraycomprehension':
    case 'setcomprehension':
      if (skipClosures) break;
      forEachTerm(v.term, f, skipClosures);
      forEachBodyTerm(v.body, f);
      break;
    case 'objectcomprehension':
      if (skipClosures) break;
      forEachTerm(v.key, f, skipClosures);
      forEachTerm(v.value, f, skipClosures);
      forEachBodyTerm(v.body, f);
      break;
    default:
      break;
  }
}

/**
 * Top-level terms of an expression (not its closures' bodies), including `with` values (targets
 * are names, not values). For a call expression: its arguments (the operator is a name, not a value).
 */
export function exprTerms(e: Expr): Term[] {
  const out: Term[] = [];
  const t = e.terms;
  if (Array.isArray(t)) out.push(...t.slice(1));
  else if (!('type' in t)) out.push(t);
  else if (t.type === 'some') out.push(...t.vars);
  else if (t.type === 'somein') {
    if (t.key) out.push(t.key);
    out.push(t.value, t.domain);
  } else {
    if (t.key) out.push(t.key);
    out.push(t.value, t.domain);
  }
  for (const w of e.with) if (!isFunctionName(w.value)) out.push(w.value);
  return out;
}

/** `with count as object.union_n`: a value naming a builtin is a function, not a variable. */
export function isFunctionName(t: Term): boolean {
  const v = t.value;
  let name: string | null = null;
  if (v.type === 'var') name = v.name;
  else if (v.type === 'ref' && v.head.value.type === 'var' && v.path.every((p) => p.value.type === 'string')) {
    name = [v.head.value.name, ...v.path.map((p) => (p.value as { value: string }).value)].join('.');
  }
  return name !== null && isBuiltin(name);
}

/** Calls f on every term of a body, closures included. */
export function forEachBodyTerm(body: Body, f: (t: Term) => void): void {
  for (const e of body) {
    for (const t of exprTerms(e)) forEachTerm(t, f);
    if (!Array.isArray(e.terms) && 'type' in e.terms && e.terms.type === 'every') forEachBodyTerm(e.terms.body, f);
  }
}

/** Names of the vars in t, skipping closures when asked. */
export function varsOf(t: Term, skipClosures: boolean, into: Set<string> = new Set()): Set<string> {
  forEachTerm(
    t,
    (x) => {
      // `input` and `data` are the root documents, never variables.
      if (x.value.type === 'var' && x.value.name !== 'input' && x.value.name !== 'data') into.add(x.value.name);
    },
    skipClosures,
  );
  return into;
}

/** Every var term in t (closures included), in source order. */
export function varTermsOf(t: Term): Term[] {
  const out: Term[] = [];
  forEachTerm(t, (x) => {
    if (x.value.type === 'var') out.push(x);
  });
  return out;
}

/** Stable key for comparing ground scalar terms (object keys, ref elements). */
export function scalarKey(t: Term): string | null {
  const v = t.value;
  switch (v.type) {
    case 'string':
      return 's:' + v.value;
    case 'number':
      return 'n:' + String(Number(v.text));
    case 'boolean':
      return 'b:' + String(v.value);
    case 'null':
      return 'null';
    default:
      return null;
  }
}
