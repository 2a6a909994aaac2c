// rego.metadata.rule() and rego.metadata.chain() are constants known at compile time: like
// OPA's compiler, the checks replace each call by the annotation values it returns.
//   rule():  the rule's own rule-scoped annotation, or {}.
//   chain(): [{path: rule path, annotations?: rule-scoped}, {path, annotations: document-scoped}…,
//             {path: package path, annotations: package-scoped}…, then subpackages-scoped
//             annotations of the package and its ancestors], most specific first.

import type { Annotation, JsonValue, Location, Module, Rule, Term } from '../ast.ts';
import { term } from '../ast.ts';

export interface MetadataIndex {
  /** package path (dotted, without data) → package-scoped and subpackages-scoped annotations. */
  packages: Map<string, Annotation[]>;
  /** rule path (dotted) → document-scoped annotations of any rule at that path. */
  documents: Map<string, Annotation[]>;
}

export function indexMetadata(modules: Module[], rulePath: (m: Module, r: Rule) => string[]): MetadataIndex {
  const packages = new Map<string, Annotation[]>();
  const documents = new Map<string, Annotation[]>();
  for (const m of modules) {
    const pkg = m.package.path.value.path.map((p) => (p.value.type === 'string' ? p.value.value : '')).join('.');
    for (const a of m.package.annotations ?? []) packages.set(pkg, [...(packages.get(pkg) ?? []), a]);
    for (const r of m.rules) {
      for (const a of r.annotations ?? []) {
        if (a.scope !== 'document') continue;
        const key = rulePath(m, r).join('.');
        documents.set(key, [...(documents.get(key) ?? []), a]);
      }
    }
  }
  return { packages, documents };
}

function jsonTerm(v: JsonValue, location: Location): Term {
  if (v === null) return term({ type: 'null' }, location);
  if (typeof v === 'boolean') return term({ type: 'boolean', value: v }, location);
  if (typeof v === 'number') return term({ type: 'number', text: String(v) }, location);
  if (typeof v === 'string') return term({ type: 'string', value: v }, location);
  if (Array.isArray(v)) return term({ type: 'array', items: v.map((x) => jsonTerm(x, location)) }, location);
  return term(
    { type: 'object', items: Object.entries(v).map(([k, x]): [Term, Term] => [term({ type: 'string', value: k }, location), jsonTerm(x, location)]) },
    location,
  );
}

function chainOf(rule: Rule, path: string[], pkg: string[], idx: MetadataIndex): JsonValue[] {
  const out: JsonValue[] = [];
  const own = (rule.annotations ?? []).find((a) => a.scope === 'rule');
  out.push(own ? { path, annotations: own } : { path });
  for (const a of idx.documents.get(path.join('.')) ?? []) out.push({ path, annotations: a });
  for (let n = pkg.length; n >= 1; n--) {
    const p = pkg.slice(0, n);
    for (const a of idx.packages.get(p.join('.')) ?? []) {
      if (a.scope === 'subpackages' || (n === pkg.length && a.scope === 'package')) out.push({ path: p, annotations: a });
    }
  }
  return out;
}

/** Replaces rego.metadata.rule()/chain() calls in a rule (and its else chain) by constants. */
export function inlineMetadata(rule: Rule, path: string[], pkg: string[], idx: MetadataIndex): Rule {
  const own = (rule.annotations ?? []).find((a) => a.scope === 'rule') ?? {};
  const map = (t: Term): Term => {
    const v = t.value;
    switch (v.type) {
      case 'call': {
        const op = v.operator.value;
        const name =
          op.type === 'ref' && op.head.value.type === 'var'
            ? [op.head.value.name, ...op.path.map((p) => (p.value.type === 'string' ? p.value.value : '?'))].join('.')
            : '';
        if (v.args.length === 0 && name === 'rego.metadata.rule') return jsonTerm(own, t.location);
        if (v.args.length === 0 && name === 'rego.metadata.chain') return jsonTerm(chainOf(rule, path, pkg, idx), t.location);
        return { ...t, value: { ...v, args: v.args.map(map) } };
      }
      case 'ref':
        return { ...t, value: { ...v, head: map(v.head), path: v.path.map(map) } };
      case 'array':
      case 'set':
        return { ...t, value: { ...v, items: v.items.map(map) } };
      case 'object':
        return { ...t, value: { ...v, items: v.items.map(([k, x]): [Term, Term] => [map(k), map(x)]) } };
      case 'arraycomprehension':
      case 'setcomprehension':
        return { ...t, value: { ...v, term: map(v.term), body: mapBody(v.body) } };
      case 'objectcomprehension':
        return { ...t, value: { ...v, key: map(v.key), value: map(v.value), body: mapBody(v.body) } };
      default:
        return t;
    }
  };
  const mapBody = (body: Rule['body']): Rule['body'] =>
    body.map((e) => {
      const x = e.terms;
      const withs = e.with.map((w) => ({ ...w, value: map(w.value) }));
      if (Array.isArray(x)) return { ...e, terms: [x[0]!, ...x.slice(1).map(map)], with: withs };
      if (!('type' in x)) return { ...e, terms: map(x), with: withs };
      if (x.type === 'every') return { ...e, terms: { ...x, domain: map(x.domain), body: mapBody(x.body) }, with: withs };
      if (x.type === 'somein') return { ...e, terms: { ...x, domain: map(x.domain) }, with: withs };
      return { ...e, with: withs };
    });
  const h = rule.head;
  return {
    ...rule,
    head: { ...h, value: h.value ? map(h.value) : null, key: h.key ? map(h.key) : null },
    body: mapBody(rule.body),
    else: rule.else ? inlineMetadata(rule.else, path, pkg, idx) : null,
  };
}
