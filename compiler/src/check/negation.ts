// What OPA's compiler moves out of a negated expression before `not` applies (its rewriteExprTerms
// and rewriteDynamics stages), so that `not` sees the same expression OPA's evaluator sees:
//
//   not startswith("a", input.missing)   →  __local0__ = input.missing; not startswith("a", __local0__)
//   not s[input.missing]                 →  __local0__ = input.missing; not s[__local0__]
//   not count(input.xs) > 0              →  __local0__ = count(input.xs); not __local0__ > 0
//
// so an undefined operand makes the whole body undefined instead of making `not` true (OPA issues
// 1877, 4743, 5793). Moved out:
// - every call nested in the expression (OPA's expandExprTerm: always);
// - for a call other than `=`/`==`, every argument that is a ref (also inside array/object/set
//   arguments) — OPA binds those to a var before the call;
// - for `=`/`==` and a single-term expression, the refs nested inside a ref (`s[input.k]`);
//   `not input.foo == true` stays true when input.foo is undefined, as OPA documents.
// Comprehensions are always defined and stay where they are.

import { refTerm, varTerm, type Expr, type Term } from '../ast.ts';

type Fresh = () => string;

function opName(t: Term | undefined): string | null {
  if (!t || t.value.type !== 'ref' || t.value.head.value.type !== 'var' || t.value.path.length > 0) return null;
  return t.value.head.value.name;
}

/** A ref worth binding first: one with a path, or the whole input/data document. */
function isDynamicRef(t: Term): boolean {
  if (t.value.type !== 'ref') return false;
  if (t.value.path.length > 0) return true;
  const h = t.value.head.value;
  return h.type === 'var' && (h.name === 'input' || h.name === 'data');
}

class Hoister {
  readonly out: Expr[] = [];
  constructor(
    private readonly fresh: Fresh,
    private readonly src: Expr,
  ) {}

  private bind(value: Term): Term {
    const v = varTerm(this.fresh(), value.location);
    this.out.push({
      type: 'expr',
      terms: [refTerm('eq', value.location), v, value],
      negated: false,
      with: this.src.with,
      index: this.src.index,
      location: value.location,
      generated: true,
    });
    return v;
  }

  /** Moves out nested calls (and, with `refs`, refs) found in t; returns what stays in its place. */
  term(t: Term, refs: boolean): Term {
    const v = t.value;
    switch (v.type) {
      case 'call': {
        const args = v.args.map((a) => this.term(a, false));
        return this.bind({ value: { type: 'call', operator: v.operator, args }, location: t.location });
      }
      case 'ref': {
        const path = v.path.map((p) => this.term(p, true));
        const head = v.head.value.type === 'call' ? this.term(v.head, false) : v.head;
        const rebuilt: Term = { value: { type: 'ref', head, path }, location: t.location };
        return refs && isDynamicRef(rebuilt) ? this.bind(rebuilt) : rebuilt;
      }
      case 'array':
        return { value: { type: 'array', items: v.items.map((x) => this.term(x, refs)) }, location: t.location };
      case 'set':
        return { value: { type: 'set', items: v.items.map((x) => this.term(x, refs)) }, location: t.location };
      case 'object':
        return {
          value: { type: 'object', items: v.items.map(([k, x]): [Term, Term] => [this.term(k, refs), this.term(x, refs)]) },
          location: t.location,
        };
      default:
        return t;
    }
  }

  /** A ref kept in place whose path refs and calls move out (`s[input.k]`, `x.y[f(z)]`). */
  inRef(t: Term): Term {
    const v = t.value;
    if (v.type !== 'ref') return this.term(t, false);
    const path = v.path.map((p) => this.term(p, true));
    const head = v.head.value.type === 'call' ? this.term(v.head, false) : v.head;
    return { value: { type: 'ref', head, path }, location: t.location };
  }
}

/**
 * For a negated expression: the generated `var = term` expressions to run before it, and the
 * expression itself with those terms replaced. Other expressions come back unchanged.
 */
export function hoistFromNegation(e: Expr, fresh: Fresh): Expr[] {
  if (!e.negated) return [e];
  const t = e.terms;
  const h = new Hoister(fresh, e);
  let terms: Expr['terms'];
  if (Array.isArray(t)) {
    const op = opName(t[0]);
    const args = t.slice(1);
    terms = op === 'eq' || op === 'equal' ? [t[0]!, ...args.map((a) => h.inRef(a))] : [t[0]!, ...args.map((a) => h.term(a, true))];
  } else if ('type' in t) {
    return [e];
  } else {
    terms = h.inRef(t);
  }
  if (h.out.length === 0) return [e];
  return [...h.out, { ...e, terms }];
}
