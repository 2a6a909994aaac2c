// Variable safety with body reordering (OPA's reorderBodyForSafety / reorderBodyForClosures).
//
// Every variable must be bound before it is used by an expression that cannot bind it. A body is
// reordered so that, whenever possible, each expression runs once its inputs are bound: the
// first (in written order) expression whose variables can all be bound is scheduled next. What
// an expression binds:
// - a ref binds the variables of its path (iteration), once its head is known;
// - `a = b` binds the variables of one side when the other side is known (destructuring arrays
//   and objects element by element);
// - a call with one argument more than its arity binds that last (output) argument;
// - `not`, `every`, comprehensions and `with` values bind nothing; the outer variables they
//   mention must be bound first.
// Inside a negation, variables that occur nowhere else in the rule are local to it (`not p[_]`).

import type { Body, Expr, Location, Term } from '../ast.ts';
import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import { exprTerms, forEachTerm, isFunctionName, scalarKey, varsOf } from './walk.ts';

export interface SafetyContext {
  diagnostics: Diagnostic[];
  original: Map<string, string>;
  /** Arity of a call operator by name (builtin or user function); undefined if unknown. */
  arity: (name: string) => number | undefined;
}

type Bound = Set<string>;

function opName(t: Term | undefined): string | null {
  if (!t || t.value.type !== 'ref' || t.value.head.value.type !== 'var') return null;
  const parts = [t.value.head.value.name];
  for (const p of t.value.path) {
    if (p.value.type !== 'string') return null;
    parts.push(p.value.value);
  }
  return parts.join('.');
}

/**
 * Binds what evaluating `t` as a value binds (ref path vars) and returns whether its value can be
 * computed with the vars in `b`. Mutates `b`.
 */
function computable(t: Term, b: Bound): boolean {
  const v = t.value;
  switch (v.type) {
    case 'var':
      return b.has(v.name);
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set': {
      let ok = true;
      for (const x of v.items) ok = computable(x, b) && ok;
      return ok;
    }
    case 'object': {
      let ok = true;
      for (const [k, x] of v.items) {
        ok = computable(k, b) && ok;
        ok = computable(x, b) && ok;
      }
      return ok;
    }
    case 'ref': {
      const h = v.head;
      let ok = h.value.type === 'var' ? b.has(h.value.name) || isRootVar(h) : computable(h, b);
      if (!ok) {
        // Still bind what nested refs in the path can bind.
        for (const p of v.path) if (p.value.type !== 'var') computable(p, b);
        return false;
      }
      for (const p of v.path) {
        if (p.value.type === 'var') {
          if (ok) b.add(p.value.name);
        } else if (isCollectionPattern(p)) {
          // A composite key such as `s[[1, x]]` binds its vars by unifying with the keys.
          if (ok) bindPattern(p, b);
        } else if (!computable(p, b)) ok = false;
      }
      return ok;
    }
    case 'call': {
      let ok = true;
      for (const a of v.args) ok = computable(a, b) && ok;
      return ok;
    }
    default:
      // Comprehensions: their outer inputs are checked separately (closure inputs).
      return true;
  }
}

function isRootVar(t: Term): boolean {
  return t.value.type === 'var' && (t.value.name === 'input' || t.value.name === 'data');
}

/** Binds the vars of a pattern (unified with a known value). */
function bindPattern(t: Term, b: Bound): void {
  const v = t.value;
  if (v.type === 'var') b.add(v.name);
  else if (v.type === 'array') for (const x of v.items) bindPattern(x, b);
  else if (v.type === 'object')
    for (const [k, x] of v.items) {
      computable(k, b);
      bindPattern(x, b);
    }
  else computable(t, b);
}

function isCollectionPattern(t: Term): boolean {
  return t.value.type === 'array' || t.value.type === 'object';
}

function unify(a: Term, c: Term, b: Bound): void {
  const av = a.value;
  const cv = c.value;
  if (av.type === 'var' && !b.has(av.name)) {
    if (computable(c, b)) b.add(av.name);
    return;
  }
  if (cv.type === 'var' && !b.has(cv.name)) {
    if (computable(a, b)) b.add(cv.name);
    return;
  }
  if (av.type === 'array' && cv.type === 'array' && av.items.length === cv.items.length) {
    av.items.forEach((x, i) => unify(x, cv.items[i]!, b));
    return;
  }
  if (av.type === 'object' && cv.type === 'object') {
    const keyOf = (k: Term): string | null => scalarKey(k) ?? (k.value.type === 'var' ? 'v:' + k.value.name : null);
    const right = new Map<string, Term>();
    for (const [k, x] of cv.items) {
      const key = keyOf(k);
      if (key !== null) right.set(key, x);
    }
    for (const [k, x] of av.items) {
      const key = keyOf(k);
      const other = key !== null ? right.get(key) : undefined;
      if (other) unify(x, other, b);
    }
    return;
  }
  if (isCollectionPattern(a) && !isCollectionPattern(c)) {
    if (computable(c, b)) bindPattern(a, b);
    return;
  }
  if (isCollectionPattern(c) && !isCollectionPattern(a)) {
    if (computable(a, b)) bindPattern(c, b);
    return;
  }
  computable(a, b);
  computable(c, b);
}

/** Vars of the closures (comprehensions, every bodies) inside expression e. */
function closureVars(e: Expr): Set<string> {
  const out = new Set<string>();
  const addClosure = (t: Term): void => {
    forEachTerm(t, (x) => {
      const v = x.value;
      if (v.type === 'arraycomprehension' || v.type === 'setcomprehension' || v.type === 'objectcomprehension') {
        varsOf(x, false, out);
      }
    });
  };
  for (const t of exprTerms(e)) addClosure(t);
  if (!Array.isArray(e.terms) && 'type' in e.terms && e.terms.type === 'every') {
    for (const x of e.terms.body) {
      for (const t of exprTerms(x)) varsOf(t, false, out);
      for (const c of closureVars(x)) out.add(c);
    }
  }
  return out;
}

/** Vars of e outside closures (for `every`: its domain; key and value are local to it). */
function directVars(e: Expr): Set<string> {
  const out = new Set<string>();
  const t = e.terms;
  if (!Array.isArray(t) && 'type' in t && t.type === 'every') {
    varsOf(t.domain, true, out);
    for (const w of e.with) if (!isFunctionName(w.value)) varsOf(w.value, true, out);
    return out;
  }
  for (const x of exprTerms(e)) varsOf(x, true, out);
  return out;
}

/** What e binds given `safe`; returns the bound set after e, and whether e can run now. */
function tryExpr(e: Expr, safe: Bound, needed: Set<string>): { ok: boolean; bound: Bound } {
  const b = new Set(safe);
  // `with` values are evaluated first and bind nothing.
  for (const w of e.with) computable(w.value, new Set(b));
  const t = e.terms;
  if (!e.negated) {
    if (Array.isArray(t)) {
      const name = opName(t[0]);
      const args = t.slice(1);
      for (let round = 0; round < 4; round++) {
        const before = b.size;
        if (name === 'eq' && args.length === 2) unify(args[0]!, args[1]!, b);
        else {
          const arity = name ? undefinedToNull(arityOf(name)) : null;
          if (arity !== null && args.length === arity + 1) {
            let ok = true;
            for (const a of args.slice(0, -1)) ok = computable(a, b) && ok;
            if (ok) bindPattern(args[args.length - 1]!, b);
          } else for (const a of args) computable(a, b);
        }
        if (b.size === before) break;
      }
    } else if (!('type' in t)) {
      computable(t, b);
    } else if (t.type === 'every') {
      computable(t.domain, b);
    }
  }
  for (const v of needed) if (!b.has(v)) return { ok: false, bound: b };
  return { ok: true, bound: b };
}

let arityOf: (name: string) => number | undefined = () => undefined;
function undefinedToNull(n: number | undefined): number | null {
  return n === undefined || n < 0 ? null : n;
}

/**
 * Reorders `body` for safety given the vars bound before it (`safe`) and the names visible from
 * enclosing scopes (`outer`). Recurses into closures. Returns the new body and the vars bound
 * after it; unsafe vars are reported to ctx.diagnostics.
 */
export function reorderBody(
  body: Body,
  safe: Bound,
  outer: Set<string>,
  ctx: SafetyContext,
  headVars: Set<string> = new Set(),
): { body: Body; bound: Bound } {
  arityOf = ctx.arity;
  // Names that belong to this body's scope (or outer ones): closure vars among them are inputs.
  const scopeNames = new Set<string>([...outer, ...safe, ...headVars]);
  const direct = body.map(directVars);
  for (const d of direct) for (const v of d) scopeNames.add(v);
  // How many expressions mention each var (for negation-local vars).
  const counts = new Map<string, number>();
  for (const d of direct) for (const v of d) counts.set(v, (counts.get(v) ?? 0) + 1);

  const needed = body.map((e, i) => {
    const need = new Set<string>();
    for (const v of direct[i]!) {
      if (e.negated && (counts.get(v) ?? 0) === 1 && !headVars.has(v) && !outer.has(v) && !safe.has(v)) continue;
      need.add(v);
    }
    for (const v of closureVars(e)) if (scopeNames.has(v)) need.add(v);
    // A `with` value needs its own vars, and those of its closures that belong to this scope (a
    // closure's local vars, e.g. a template string's, are its own).
    for (const w of e.with) {
      if (isFunctionName(w.value)) continue;
      varsOf(w.value, true, need);
      for (const v of varsOf(w.value, false)) if (scopeNames.has(v)) need.add(v);
    }
    return need;
  });

  let bound = new Set(safe);
  const pending = body.map((e, i) => i);
  const order: { e: Expr; before: Bound }[] = [];
  for (;;) {
    let progressed = false;
    for (let k = 0; k < pending.length; k++) {
      const i = pending[k]!;
      const r = tryExpr(body[i]!, bound, needed[i]!);
      if (r.ok) {
        order.push({ e: body[i]!, before: bound });
        bound = r.bound;
        pending.splice(k, 1);
        progressed = true;
        break;
      }
    }
    if (!progressed) break;
  }

  if (pending.length > 0) {
    const reported = new Set<string>();
    for (const i of pending) {
      const e = body[i]!;
      // Report the unsafe vars of the expression in source order.
      const b = tryExpr(e, bound, needed[i]!).bound;
      const terms = !Array.isArray(e.terms) && 'type' in e.terms && e.terms.type === 'every' ? [e.terms.domain] : exprTerms(e);
      for (const t of terms) {
        forEachTerm(t, (x) => {
          if (x.value.type !== 'var') return;
          const n = x.value.name;
          if (!needed[i]!.has(n) || b.has(n) || reported.has(n)) return;
          reported.add(n);
          reportUnsafe(ctx, n, x.location);
        });
      }
      for (const n of needed[i]!) {
        if (!b.has(n) && !reported.has(n)) {
          reported.add(n);
          reportUnsafe(ctx, n, e.location);
        }
      }
      order.push({ e, before: bound });
    }
  }

  // Recurse into closures with the vars bound when each expression runs.
  const out: Body = order.map(({ e, before }, index) => reorderClosures({ ...e, index }, before, scopeNames, ctx));
  return { body: out, bound };
}

function reportUnsafe(ctx: SafetyContext, name: string, loc: Location): void {
  // A template string's value var (`$"{x}"` → {__tplN__ | __tplN__ = x}) is unsafe only because a
  // var of its expression is, and that one is reported by its own name.
  if (/^__tpl\d+__$/.test(name)) return;
  const shown = ctx.original.get(name) ?? name;
  ctx.diagnostics.push(diagnostic('rego_unsafe_var_error', loc, `var ${shown} is unsafe`));
}

/** Reorders the bodies of the closures inside a head term (rule value/key) given the body's bound vars. */
export function reorderTermClosures(t: Term, safe: Bound, outer: Set<string>, ctx: SafetyContext): Term {
  const e: Expr = { type: 'expr', terms: t, negated: false, with: [], index: 0, location: t.location };
  const r = reorderClosures(e, safe, outer, ctx);
  return r.terms as Term;
}

function reorderClosures(e: Expr, safe: Bound, outer: Set<string>, ctx: SafetyContext): Expr {
  const mapTerm = (t: Term): Term => mapClosures(t, safe, outer, ctx);
  const t = e.terms;

  const withs = e.with.map((w) => ({ ...w, value: mapTerm(w.value) }));
  if (Array.isArray(t)) return { ...e, terms: t.map(mapTerm), with: withs };
  if (!('type' in t)) return { ...e, terms: mapTerm(t), with: withs };
  if (t.type === 'every') {
    const inner = new Set(safe);
    if (t.key && t.key.value.type === 'var') inner.add(t.key.value.name);
    if (t.value.value.type === 'var') inner.add(t.value.value.name);
    const r = reorderBody(t.body, inner, outer, ctx);
    return { ...e, terms: { ...t, domain: mapTerm(t.domain), body: r.body }, with: withs };
  }
  return { ...e, with: withs };
}

/** Reorders the bodies of the closures inside t; closure heads see the vars their body binds. */
function mapClosures(t: Term, safe: Bound, outer: Set<string>, ctx: SafetyContext): Term {
  const mapTerm = (x: Term): Term => mapClosures(x, safe, outer, ctx);
  const v = t.value;
  switch (v.type) {
    case 'arraycomprehension':
    case 'setcomprehension': {
      const r = reorderBody(v.body, safe, outer, ctx);
      checkHead([v.term], r.bound, ctx);
      const inner = new Set([...outer, ...r.bound]);
      return { value: { type: v.type, term: mapClosures(v.term, r.bound, inner, ctx), body: r.body }, location: t.location };
    }
    case 'objectcomprehension': {
      const r = reorderBody(v.body, safe, outer, ctx);
      checkHead([v.key, v.value], r.bound, ctx);
      const inner = new Set([...outer, ...r.bound]);
      return {
        value: { type: v.type, key: mapClosures(v.key, r.bound, inner, ctx), value: mapClosures(v.value, r.bound, inner, ctx), body: r.body },
        location: t.location,
      };
    }
    case 'ref':
      return { value: { type: 'ref', head: mapTerm(v.head), path: v.path.map(mapTerm) }, location: t.location };
    case 'call':
      return { value: { type: 'call', operator: v.operator, args: v.args.map(mapTerm) }, location: t.location };
    case 'array':
    case 'set':
      return { value: { type: v.type, items: v.items.map(mapTerm) }, location: t.location };
    case 'object':
      return { value: { type: 'object', items: v.items.map(([k, x]): [Term, Term] => [mapTerm(k), mapTerm(x)]) }, location: t.location };
    default:
      return t;
  }
}

/** Vars in head terms (comprehension heads, rule keys/values) must be bound by the body. */
export function checkHead(terms: Term[], boundByBody: Bound, ctx: SafetyContext): void {
  const reported = new Set<string>();
  // Refs in heads iterate too (`{arr[_]: 1 | true}`).
  const bound = new Set(boundByBody);
  for (let round = 0; round < 3; round++) for (const t of terms) computable(t, bound);
  for (const t of terms) {
    forEachTerm(
      t,
      (x) => {
        if (x.value.type !== 'var') return;
        const n = x.value.name;
        if (bound.has(n) || reported.has(n) || isRootVar(x)) return;
        reported.add(n);
        reportUnsafe(ctx, n, x.location);
      },
      true,
    );
  }
}
