// Recursion check: a rule may not depend on itself, directly or through other rules or
// functions (OPA: `rego_recursion_error: rule data.x.p is recursive: data.x.p -> data.x.q -> data.x.p`).

import type { Module, Rule, Term } from '../ast.ts';
import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import { exprTerms, forEachTerm } from './walk.ts';

export interface RuleGroup {
  /** "data.pkg.p" */
  key: string;
  /** ["pkg", "p"] */
  path: string[];
  pkg: string;
  rules: { rule: Rule; module: Module }[];
}

/** Ground prefixes of every data ref a rule reads (with targets excluded). */
function dataRefs(rule: Rule, out: string[][]): void {
  const fromTerm = (t: Term): void =>
    forEachTerm(t, (x) => {
      const v = x.value;
      if (v.type === 'call') fromTerm(v.operator);
      if (v.type === 'ref' && v.head.value.type === 'var' && v.head.value.name === 'data') {
        // Elements: a string, or '*' for a non-ground key (matches any rule name). A ground
        // non-string key (data[2]) can never name a rule: no dependency.
        const parts: string[] = [];
        let matchesNothing = false;
        for (const p of v.path) {
          const k = p.value.type;
          if (k === 'string') parts.push((p.value as { value: string }).value);
          else if (k === 'number' || k === 'boolean' || k === 'null') {
            matchesNothing = true;
            break;
          } else parts.push('*');
        }
        if (!matchesNothing) out.push(parts);
      }
      if (v.type === 'arraycomprehension' || v.type === 'setcomprehension' || v.type === 'objectcomprehension') {
        fromBody(v.body);
      }
    });
  const fromBody = (body: Rule['body']): void => {
    for (const e of body) {
      const t = e.terms;
      if (!Array.isArray(t) && 'type' in t && t.type === 'every') {
        fromTerm(t.domain);
        fromBody(t.body);
      } else {
        if (Array.isArray(t) && t[0]) fromTerm(t[0]);
        for (const x of exprTerms({ ...e, with: [] })) fromTerm(x);
      }
      for (const w of e.with) fromTerm(w.value);
    }
  };
  fromBody(rule.body);
  for (const t of [rule.head.key, rule.head.value, ...rule.head.ref.slice(1), ...(rule.head.args ?? [])]) if (t) fromTerm(t);
  if (rule.else) dataRefs(rule.else, out);
}

/** Rule groups by path element, so a ref finds the rules it may read without a full scan. */
interface Trie {
  children: Map<string, Trie>;
  /** Groups whose path ends here. */
  keys: string[];
}

function buildTrie(groups: RuleGroup[]): Trie {
  const root: Trie = { children: new Map(), keys: [] };
  for (const g of groups) {
    let node = root;
    for (const part of g.path) {
      let next = node.children.get(part);
      if (!next) {
        next = { children: new Map(), keys: [] };
        node.children.set(part, next);
      }
      node = next;
    }
    node.keys.push(g.key);
  }
  return root;
}

/**
 * Groups related to the ref path `ref` (one is a prefix of the other; '*' matches any element):
 * rules on the way down (the ref reads into them) and every rule below the ref's end.
 */
function collect(node: Trie, ref: string[], i: number, out: Set<string>): void {
  for (const k of node.keys) out.add(k);
  if (i === ref.length) {
    for (const child of node.children.values()) collect(child, ref, i, out);
    return;
  }
  const part = ref[i]!;
  if (part === '*') {
    for (const child of node.children.values()) collect(child, ref, i + 1, out);
    return;
  }
  const next = node.children.get(part);
  if (next) collect(next, ref, i + 1, out);
}

export function checkRecursion(groups: RuleGroup[], diagnostics: Diagnostic[], isQuery: (g: RuleGroup) => boolean = () => false): void {
  const edges = new Map<string, Set<string>>();
  // Queries are never dependencies (nothing refers to a query).
  const trie = buildTrie(groups.filter((g) => !isQuery(g)));
  for (const g of groups) {
    const refs: string[][] = [];
    for (const { rule } of g.rules) dataRefs(rule, refs);
    const deps = new Set<string>();
    for (const r of refs) collect(trie, r, 0, deps);
    edges.set(g.key, deps);
  }
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      sccs.push(comp);
    }
  };
  for (const g of groups) if (!idx.has(g.key)) strong(g.key);

  const byKey = new Map(groups.map((g) => [g.key, g]));
  for (const comp of sccs) {
    const self = comp.length === 1 && edges.get(comp[0]!)?.has(comp[0]!);
    if (comp.length === 1 && !self) continue;
    const members = new Set(comp);
    for (const start of comp.sort()) {
      const cycle = findCycle(start, edges, members);
      const g = byKey.get(start)!;
      diagnostics.push(
        diagnostic('rego_recursion_error', g.rules[0]!.rule.location, `rule ${start} is recursive: ${cycle.join(' -> ')}`),
      );
    }
  }
}

/** A path start -> … -> start inside the component (breadth-first, so the shortest). */
function findCycle(start: string, edges: Map<string, Set<string>>, members: Set<string>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of edges.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let x = v; x !== start; x = prev.get(x)!) path.unshift(x);
        path.unshift(start);
        return path;
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
