// Compact text rendering of AST terms and expressions for assertions in front-end tests.

import type { Body, Expr, Rule, Term } from '../../../compiler/src/ast.ts';

export function show(t: Term): string {
  const v = t.value;
  switch (v.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(v.value);
    case 'number':
      return v.text;
    case 'string':
      return JSON.stringify(v.value);
    case 'var':
      return v.name;
    case 'ref':
      return show(v.head) + v.path.map((p) => (p.value.type === 'string' && /^[a-z_]\w*$/i.test(p.value.value) ? '.' + p.value.value : `[${show(p)}]`)).join('');
    case 'array':
      return `[${v.items.map(show).join(', ')}]`;
    case 'set':
      return v.items.length ? `{${v.items.map(show).join(', ')}}` : 'set()';
    case 'object':
      return `{${v.items.map(([k, x]) => `${show(k)}: ${show(x)}`).join(', ')}}`;
    case 'call':
      return `${show(v.operator)}(${v.args.map(show).join(', ')})`;
    case 'arraycomprehension':
      return `[${show(v.term)} | ${showBody(v.body)}]`;
    case 'setcomprehension':
      return `{${show(v.term)} | ${showBody(v.body)}}`;
    case 'objectcomprehension':
      return `{${show(v.key)}: ${show(v.value)} | ${showBody(v.body)}}`;
  }
}

export function showExpr(e: Expr): string {
  const t = e.terms;
  let s: string;
  if (Array.isArray(t)) s = `${show(t[0]!)}(${t.slice(1).map(show).join(', ')})`;
  else if (!('type' in t)) s = show(t);
  else if (t.type === 'some') s = `some ${t.vars.map(show).join(', ')}`;
  else if (t.type === 'somein') s = `some ${t.key ? show(t.key) + ', ' : ''}${show(t.value)} in ${show(t.domain)}`;
  else s = `every ${t.key ? show(t.key) + ', ' : ''}${show(t.value)} in ${show(t.domain)} { ${showBody(t.body)} }`;
  if (e.negated) s = 'not ' + s;
  for (const w of e.with) s += ` with ${show(w.target)} as ${show(w.value)}`;
  return s;
}

export function showBody(b: Body): string {
  return b.map(showExpr).join('; ');
}

export function showHead(r: Rule): string {
  const h = r.head;
  let s = h.ref.map((t, i) => (i === 0 ? show(t) : t.value.type === 'string' ? '.' + t.value.value : `[${show(t)}]`)).join('');
  if (h.args) s += `(${h.args.map(show).join(', ')})`;
  if (h.contains) s += ` contains ${show(h.key!)}`;
  else if (h.value) s += ` ${h.assign ? ':=' : '='} ${show(h.value)}`;
  return (r.default ? 'default ' : '') + s;
}
