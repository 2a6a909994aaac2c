// Name resolution and local-variable rewriting of one rule (OPA's resolveAllRefs,
// rewriteLocalVars and rewriteSomeDeclStatement, in one pass):
// - a var naming a rule of the module's package becomes the ref data.<pkg>.<name>; an import alias
//   becomes the imported ref; standalone `input`/`data` become refs with an empty path;
// - every `:=`, `some`, `every` and function-argument variable gets a fresh name `__localN__`
//   (so nested scopes never clash), `:=` becomes `=`, and `_` becomes a fresh wildcard `$N`;
// - `some v in xs` / `some k, v in xs` become `xs[$N] = v` / `xs[k] = v`; plain `some x` vanishes.
// Errors: redeclaration, assignment to a non-pattern, shadowing of input/data.

import {
  booleanTerm,
  refTerm,
  term,
  varTerm,
  type Body,
  type Expr,
  type Location,
  type RefValue,
  type Rule,
  type Term,
  type With,
} from '../ast.ts';
import { isBuiltin } from '../builtins/decls.ts';
import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import { hoistFromNegation } from './negation.ts';

export interface RewriteContext {
  /** name → ref term for rules of the package and imports (a rule wins over an import). */
  globals: Map<string, Term<RefValue>>;
  /** The same for call operators (an import wins over a rule). */
  callGlobals: Map<string, Term<RefValue>>;
  /** Global names that are functions (or imports): only these resolve as call operators. */
  callable: Set<string>;
  /** The module imports rego.v1 (input/data cannot be shadowed). */
  v1: boolean;
  /** generated name → name as written (for messages). */
  original: Map<string, string>;
  diagnostics: Diagnostic[];
  counter: { n: number };
}

class Scope {
  readonly decl = new Map<string, string>();
  /** Names referenced as free variables in this scope or below (a later `:=` of them is an error). */
  readonly used = new Set<string>();
  constructor(readonly parent: Scope | null) {}
  lookup(name: string): string | undefined {
    return this.decl.get(name) ?? this.parent?.lookup(name);
  }
  /** Only this scope: a closure's free var does not stop the enclosing body from declaring it later. */
  markUsed(name: string): void {
    this.used.add(name);
  }
}

const ROOTS = new Set(['input', 'data']);

export function rewriteRule(rule: Rule, ctx: RewriteContext): Rule {
  const top = new Scope(null);
  const head = rule.head;
  // A function argument that must be computed (`f($"{x}") := …`, `f(count(y))`) is not a pattern:
  // it becomes a fresh argument var and `var = <arg>` is added to the body (like OPA).
  const extra: Expr[] = [];
  const patternArgs = head.args?.map((a) => {
    if (!needsEvaluation(a)) return a;
    const v = varTerm(fresh(ctx, 'arg'), a.location);
    extra.push({ type: 'expr', terms: [refTerm('eq', a.location), v, a], negated: false, with: [], index: 0, location: a.location, generated: true });
    return v;
  });
  const args = patternArgs ? patternArgs.map((a) => declarePattern(a, top, ctx, 'arg')) : null;
  const body = rewriteBody(extra.length ? [...rule.body, ...extra] : rule.body, top, ctx);
  const ref = head.ref.map((t, i) => (i === 0 ? t : resolveTerm(t, top, ctx)));
  const out: Rule = {
    ...rule,
    head: {
      ...head,
      ref,
      // A zero-argument function is the rule's value: `f` and `f()` are the same (as in OPA).
      args: args && args.length === 0 ? null : args,
      ...(args && args.length === 0 ? { zeroArgFunction: true } : {}),
      key: head.key ? resolveTerm(head.key, top, ctx) : null,
      value: head.value ? resolveTerm(head.value, top, ctx) : null,
    },
    body,
    else: rule.else ? rewriteRule(rule.else, ctx) : null,
  };
  return out;
}

function fresh(ctx: RewriteContext, original: string, wildcard = false): string {
  const name = wildcard ? `$${ctx.counter.n++}` : `__local${ctx.counter.n++}__`;
  ctx.original.set(name, original);
  return name;
}

function error(ctx: RewriteContext, loc: Location, message: string, code: Diagnostic['code'] = 'rego_compile_error'): void {
  ctx.diagnostics.push(diagnostic(code, loc, message));
}

function declareVar(t: Term, scope: Scope, ctx: RewriteContext, how: 'assign' | 'some' | 'arg' | 'every'): Term {
  if (t.value.type !== 'var') return t;
  const name = t.value.name;
  if (name === '_') return varTerm(fresh(ctx, '_', true), t.location);
  if (ROOTS.has(name) && ctx.v1) {
    error(ctx, t.location, `${name} cannot be shadowed`);
    return t;
  }
  // A var repeated in a function's arguments (`h(x, x)`) is one var: the arguments must be equal.
  const declared = scope.decl.get(name);
  if (how === 'arg' && declared !== undefined) return varTerm(declared, t.location);
  if (declared !== undefined) {
    error(ctx, t.location, `var ${name} assigned above (var \`${name}\` used before definition below)`);
  } else if (scope.used.has(name)) {
    error(ctx, t.location, `var ${name} referenced above (var \`${name}\` used before definition below)`);
  }
  const n = fresh(ctx, name);
  scope.decl.set(name, n);
  return varTerm(n, t.location);
}

/** Declares the vars of a destructuring pattern (var, array, object values); other terms are resolved. */
function declarePattern(t: Term, scope: Scope, ctx: RewriteContext, how: 'assign' | 'some' | 'arg' | 'every'): Term {
  const v = t.value;
  switch (v.type) {
    case 'var':
      return declareVar(t, scope, ctx, how);
    case 'array':
      return term({ type: 'array', items: v.items.map((x) => declarePattern(x, scope, ctx, how)) }, t.location);
    case 'object':
      return term(
        {
          type: 'object',
          items: v.items.map(([k, x]): [Term, Term] => [resolveTerm(k, scope, ctx), declarePattern(x, scope, ctx, how)]),
        },
        t.location,
      );
    default:
      return resolveTerm(t, scope, ctx);
  }
}

/** A term with a call or comprehension outside closures: its value must be computed. */
function needsEvaluation(t: Term): boolean {
  const v = t.value;
  switch (v.type) {
    case 'call':
    case 'arraycomprehension':
    case 'setcomprehension':
    case 'objectcomprehension':
      return true;
    case 'array':
    case 'set':
      return v.items.some(needsEvaluation);
    case 'object':
      return v.items.some(([k, x]) => needsEvaluation(k) || needsEvaluation(x));
    case 'ref':
      return needsEvaluation(v.head) || v.path.some(needsEvaluation);
    default:
      return false;
  }
}

function patternHasVars(t: Term): boolean {
  const v = t.value;
  if (v.type === 'var') return true;
  if (v.type === 'array') return v.items.some(patternHasVars);
  if (v.type === 'object') return v.items.some(([, x]) => patternHasVars(x));
  return false;
}

function isPattern(t: Term): boolean {
  const v = t.value;
  if (v.type === 'var') return true;
  if (v.type === 'array') return v.items.every((x) => isPattern(x) || isScalarOrRefFree(x));
  if (v.type === 'object') return v.items.every(([, x]) => isPattern(x) || isScalarOrRefFree(x));
  return false;
}

function isScalarOrRefFree(t: Term): boolean {
  const k = t.value.type;
  return k === 'string' || k === 'number' || k === 'boolean' || k === 'null';
}

function appendPath(base: Term, extra: Term[], location: Location): Term<RefValue> {
  if (base.value.type === 'ref') {
    return term({ type: 'ref', head: base.value.head, path: [...base.value.path, ...extra] }, location);
  }
  return term({ type: 'ref', head: base, path: extra }, location);
}

function relocate(t: Term<RefValue>, location: Location): Term<RefValue> {
  return term(
    {
      type: 'ref',
      head: { value: t.value.head.value, location },
      path: t.value.path.map((p) => ({ value: p.value, location })),
    },
    location,
  );
}

export function resolveTerm(t: Term, scope: Scope, ctx: RewriteContext): Term {
  const v = t.value;
  switch (v.type) {
    case 'var': {
      const name = v.name;
      if (name === '_') return varTerm(fresh(ctx, '_', true), t.location);
      const local = scope.lookup(name);
      if (local !== undefined) return varTerm(local, t.location);
      if (ROOTS.has(name)) return term({ type: 'ref', head: t, path: [] }, t.location);
      const g = ctx.globals.get(name);
      if (g) return relocate(g, t.location);
      scope.markUsed(name);
      return t;
    }
    case 'ref': {
      const path = v.path.map((p) => resolveTerm(p, scope, ctx));
      const head = resolveTerm(v.head, scope, ctx);
      return appendPath(head, path, t.location);
    }
    case 'call': {
      const args = v.args.map((a) => resolveTerm(a, scope, ctx));
      const operator = resolveOperator(v.operator, ctx);
      if (args.length === 0 && isDataRef(operator)) return operator;
      return term({ type: 'call', operator, args }, t.location);
    }
    case 'array':
      return term({ type: 'array', items: v.items.map((x) => resolveTerm(x, scope, ctx)) }, t.location);
    case 'set':
      return term({ type: 'set', items: v.items.map((x) => resolveTerm(x, scope, ctx)) }, t.location);
    case 'object':
      return term(
        {
          type: 'object',
          items: v.items.map(([k, x]): [Term, Term] => [resolveTerm(k, scope, ctx), resolveTerm(x, scope, ctx)]),
        },
        t.location,
      );
    case 'arraycomprehension':
    case 'setcomprehension': {
      const inner = new Scope(scope);
      const body = rewriteBody(v.body, inner, ctx);
      return term({ type: v.type, term: resolveTerm(v.term, inner, ctx), body }, t.location);
    }
    case 'objectcomprehension': {
      const inner = new Scope(scope);
      const body = rewriteBody(v.body, inner, ctx);
      return term(
        { type: 'objectcomprehension', key: resolveTerm(v.key, inner, ctx), value: resolveTerm(v.value, inner, ctx), body },
        t.location,
      );
    }
    default:
      return t;
  }
}

/**
 * `print(a, b)` → `internal.print([{x | x = a}, {y | y = b}])` (OPA's rewritePrintCalls): each
 * argument becomes the set of its values, so an undefined argument prints as <undefined> instead
 * of stopping the body.
 */
function printCall(t: Term[], ctx: RewriteContext): Term[] {
  const loc = t[0]!.location;
  const sets = t.slice(1).map((a): Term => {
    const v = varTerm(`__print${ctx.counter.n++}__`, a.location);
    const eq: Expr = { type: 'expr', terms: [refTerm('eq', a.location), v, a], negated: false, with: [], index: 0, location: a.location, generated: true };
    return term({ type: 'setcomprehension', term: v, body: [eq] }, a.location);
  });
  return [refTerm('internal.print', loc), term({ type: 'array', items: sets }, loc)];
}

function isDataRef(t: Term): boolean {
  return t.value.type === 'ref' && t.value.head.value.type === 'var' && t.value.head.value.name === 'data' && t.value.path.length > 0;
}

/** Call operators: a var/ref naming a rule or import resolves to its data ref; builtins stay as written. */
function resolveOperator(op: Term, ctx: RewriteContext): Term {
  if (op.value.type === 'ref' && op.value.head.value.type === 'var') {
    const name = op.value.head.value.name;
    // `mul { 3 * 4 == 12 }`: a value rule named like a builtin does not capture the operator.
    if (!ctx.callable.has(name) && op.value.path.length === 0 && isBuiltin(name)) return op;
    const g = ctx.callGlobals.get(name);
    if (g) return appendPath(relocate(g, op.location), op.value.path, op.location);
  }
  return op;
}

function resolveWith(w: With, scope: Scope, ctx: RewriteContext): With {
  let target = w.target;
  if (target.value.type === 'var') target = term({ type: 'ref', head: target, path: [] }, target.location);
  if (target.value.type === 'ref' && target.value.head.value.type === 'var') {
    const name = target.value.head.value.name;
    if (!ROOTS.has(name)) {
      const g = ctx.globals.get(name);
      if (g) target = appendPath(relocate(g, target.location), target.value.path, target.location);
      else if (!isBuiltin(opName(target) ?? '')) {
        error(ctx, w.target.location, 'with keyword target must reference existing input, data, or a function', 'rego_type_error');
      }
    }
  }
  return { ...w, target, value: resolveTerm(w.value, scope, ctx) };
}

function opName(t: Term | undefined): string | null {
  if (!t || t.value.type !== 'ref' || t.value.head.value.type !== 'var') return null;
  const parts = [t.value.head.value.name];
  for (const p of t.value.path) {
    if (p.value.type !== 'string') return null;
    parts.push(p.value.value);
  }
  return parts.join('.');
}

export function rewriteBody(body: Body, scope: Scope, ctx: RewriteContext): Body {
  const out: Body = [];
  for (const e of body) {
    const r = rewriteExpr(e, scope, ctx);
    if (r) out.push(...hoistFromNegation(r, () => fresh(ctx, 'value')));
  }
  if (out.length === 0) {
    // e.g. a body that only declared `some x`
    const loc = body[0]?.location ?? { file: '', row: 1, col: 1 };
    out.push({ type: 'expr', terms: booleanTerm(true, loc), negated: false, with: [], index: 0, location: loc, generated: true });
  }
  out.forEach((e, i) => (e.index = i));
  return out;
}

function rewriteExpr(e: Expr, scope: Scope, ctx: RewriteContext): Expr | null {
  const base = { type: 'expr' as const, negated: e.negated, index: e.index, location: e.location, generated: e.generated };
  const t = e.terms;
  if (Array.isArray(t)) {
    const withs = e.with.map((w) => resolveWith(w, scope, ctx));
    const name = opName(t[0]);
    if (name === 'assign' && t.length === 3) {
      const lhs = t[1]!;
      const rhs = resolveTerm(t[2]!, scope, ctx);
      if (!isPattern(lhs)) {
        error(ctx, lhs.location, `cannot assign to ${lhs.value.type}: assignment operator := requires left-hand side to have bindable variables`);
      } else if (!patternHasVars(lhs)) {
        error(ctx, lhs.location, 'assignment operator := requires left-hand side to have bindable variables');
      }
      const l = declarePattern(lhs, scope, ctx, 'assign');
      return { ...base, terms: [refTerm('eq', t[0]!.location), l, rhs], with: withs };
    }
    if (name === 'print' && !ctx.callable.has('print')) {
      return rewriteExpr({ ...e, terms: printCall(t, ctx), generated: true }, scope, ctx);
    }
    const args = t.slice(1).map((a) => resolveTerm(a, scope, ctx));
    const operator = resolveOperator(t[0]!, ctx);
    // `f()` of a zero-argument function is its rule's value (see rewriteRule).
    if (args.length === 0 && isDataRef(operator)) return { ...base, terms: operator, with: withs };
    return { ...base, terms: [operator, ...args], with: withs };
  }
  if (!('type' in t)) {
    const withs = e.with.map((w) => resolveWith(w, scope, ctx));
    return { ...base, terms: resolveTerm(t, scope, ctx), with: withs };
  }
  if (t.type === 'some') {
    for (const v of t.vars) declareVar(v, scope, ctx, 'some');
    return null;
  }
  if (t.type === 'somein') {
    const withs = e.with.map((w) => resolveWith(w, scope, ctx));
    const domain = resolveTerm(t.domain, scope, ctx);
    checkSomeInDomain(t.value, domain, ctx);
    const key = t.key ? declarePattern(t.key, scope, ctx, 'some') : varTerm(fresh(ctx, '_', true), t.location);
    const value = declarePattern(t.value, scope, ctx, 'some');
    const ref = appendPath(domain, [key], t.location);
    return { ...base, terms: [refTerm('eq', t.location), value, ref], with: withs };
  }
  // every
  const withs = e.with.map((w) => resolveWith(w, scope, ctx));
  const domain = resolveTerm(t.domain, scope, ctx);
  const inner = new Scope(scope);
  const key = t.key ? declareVar(t.key, inner, ctx, 'every') : null;
  const value = declareVar(t.value, inner, ctx, 'every');
  const body = rewriteBody(t.body, inner, ctx);
  return { ...base, terms: { type: 'every', key, value, domain, body, location: t.location }, with: withs };
}

/**
 * Type errors visible in the literals of `some v in xs`: a scalar collection, or an array pattern
 * whose length matches none of the literal arrays it could be bound to.
 */
function checkSomeInDomain(pattern: Term, domain: Term, ctx: RewriteContext): void {
  const d = domain.value;
  if (d.type === 'null' || d.type === 'boolean' || d.type === 'number' || d.type === 'string') {
    error(ctx, domain.location, '`some .. in collection` expects array/set/object.', 'rego_type_error');
    return;
  }
  const p = pattern.value;
  if (p.type !== 'array' || (d.type !== 'array' && d.type !== 'set') || d.items.length === 0) return;
  const lengths = d.items.map((x) => (x.value.type === 'array' ? x.value.items.length : -1));
  if (lengths.every((n) => n >= 0 && n !== p.items.length)) {
    error(ctx, pattern.location, `match error: mismatch in number of array elements (${p.items.length} and ${lengths[0]})`, 'rego_type_error');
  }
}

export { Scope };
