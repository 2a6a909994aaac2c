// Static unification errors: `a = b` between two literal collections that can never match
// (array vs object, arrays of different lengths, objects with different ground keys).

import type { Body, Rule, Term } from '../ast.ts';
import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import { scalarKey, varsOf } from './walk.ts';

function opName(t: Term | undefined): string | null {
  if (!t || t.value.type !== 'ref' || t.value.head.value.type !== 'var' || t.value.path.length) return null;
  return t.value.head.value.name;
}

function check(a: Term, b: Term, out: Diagnostic[]): void {
  const av = a.value;
  const bv = b.value;
  if ((av.type === 'array' && bv.type === 'object') || (av.type === 'object' && bv.type === 'array')) {
    out.push(diagnostic('rego_type_error', a.location, 'match error: incompatible destructuring patterns: both sides must be arrays or objects with matching structure'));
    return;
  }
  if (av.type === 'array' && bv.type === 'array') {
    if (av.items.length !== bv.items.length) {
      out.push(diagnostic('rego_type_error', a.location, `match error: mismatch in number of array elements (${av.items.length} and ${bv.items.length})`));
      return;
    }
    av.items.forEach((x, i) => check(x, bv.items[i]!, out));
    return;
  }
  if (av.type === 'object' && bv.type === 'object') {
    const ak = av.items.map(([k]) => scalarKey(k));
    const bk = bv.items.map(([k]) => scalarKey(k));
    if (ak.some((k) => k === null) || bk.some((k) => k === null)) return;
    if (ak.length !== bk.length) {
      out.push(
        diagnostic('rego_type_error', a.location, `match error: object field count mismatch in assignment: left has ${ak.length} fields, right has ${bk.length} fields`),
      );
      return;
    }
    const left = new Set(ak);
    const missing = bv.items.find(([k]) => !left.has(scalarKey(k)));
    if (missing) {
      const rightHasVars = bv.items.some(([, x]) => varsOf(x, true).size > 0);
      const show = (t: Term[]): string => `[${t.map((k) => JSON.stringify(k.value.type === 'string' ? k.value.value : scalarKey(k))).join(', ')}]`;
      const msg = rightHasVars
        ? `key ${JSON.stringify(missing[0].value.type === 'string' ? missing[0].value.value : scalarKey(missing[0]))} not found in left-hand side object during destructuring`
        : `object literal keys mismatch. Expected keys ${show(av.items.map(([k]) => k))} got ${show(bv.items.map(([k]) => k))}.`;
      out.push(diagnostic('rego_type_error', a.location, `match error: ${msg}`));
      return;
    }
    const right = new Map(bv.items.map(([k, x]) => [scalarKey(k), x]));
    for (const [k, x] of av.items) {
      const y = right.get(scalarKey(k));
      if (y) check(x, y, out);
    }
  }
}

function visitBody(body: Body, out: Diagnostic[]): void {
  for (const e of body) {
    const t = e.terms;
    if (Array.isArray(t)) {
      if (opName(t[0]) === 'eq' && t.length === 3) check(t[1]!, t[2]!, out);
    } else if ('type' in t && t.type === 'every') visitBody(t.body, out);
  }
}

export function checkStaticUnification(rule: Rule, out: Diagnostic[]): void {
  visitBody(rule.body, out);
  if (rule.else) checkStaticUnification(rule.else, out);
}
