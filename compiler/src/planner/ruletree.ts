// The tree of rules under `data`, keyed by path segment (OPA's ruletrie). A node holds the rules
// whose path ends there; children hold deeper packages and rules. `with data.x as v` hides the
// rules at and under x while the expression is planned (pushHidden/popHidden).

import type { Module, Rule, Term } from '../ast.ts';
import { ruleKind } from '../ast.ts';

export interface RuleEntry {
  rule: Rule;
  module: Module;
  /** Head ref elements after the node path (keys of a partial object rule); [] otherwise. */
  keys: Term[];
}

export class RuleNode {
  readonly children = new Map<string, RuleNode>();
  readonly rules: RuleEntry[] = [];
  hidden = 0;

  constructor(readonly path: string[]) {}

  child(key: string): RuleNode | undefined {
    const c = this.children.get(key);
    return c && c.hidden === 0 ? c : undefined;
  }

  getOrCreate(key: string): RuleNode {
    let c = this.children.get(key);
    if (!c) {
      c = new RuleNode([...this.path, key]);
      this.children.set(key, c);
    }
    return c;
  }

  visibleChildren(): [string, RuleNode][] {
    return [...this.children.entries()].filter(([, n]) => n.hidden === 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Function arity of the rules here (0 for non-functions). */
  arity(): number {
    const r = this.rules[0]?.rule;
    return r?.head.args ? r.head.args.length : 0;
  }

  isFunction(): boolean {
    return this.rules.length > 0 && this.rules[0]?.rule.head.args !== null;
  }

  /** Functions, zero-argument ones included, are left out of their package's document. */
  outsideDocument(): boolean {
    return this.isFunction() || (this.rules.length > 0 && this.rules[0]?.rule.head.zeroArgFunction === true);
  }
}

/** Package path of a module as strings, without the leading `data`. */
export function packagePath(m: Module): string[] {
  return m.package.path.value.path.map((t) => (t.value.type === 'string' ? t.value.value : String(t.value.type)));
}

/** Path of the node a rule belongs to (without `data`) and its remaining key terms. */
export function rulePath(m: Module, rule: Rule): { path: string[]; keys: Term[] } {
  const path = packagePath(m);
  const head = rule.head;
  let ref = head.ref.slice(1);
  path.push(head.name);
  if (head.contains && head.key && ref.length > 0 && ref[ref.length - 1] === head.key) ref = ref.slice(0, -1);
  let i = 0;
  for (; i < ref.length; i++) {
    const t = ref[i];
    if (!t || t.value.type !== 'string') break;
    path.push(t.value.value);
  }
  const kind = ruleKind(rule);
  const keys = kind === 'partial-object' || kind === 'partial-set' ? ref.slice(i) : [];
  return { path, keys };
}

export function buildRuleTree(modules: Module[]): RuleNode {
  const root = new RuleNode([]);
  for (const m of modules) {
    let pkg = root;
    for (const seg of packagePath(m)) pkg = pkg.getOrCreate(seg);
    for (const rule of m.rules) {
      const { path, keys } = rulePath(m, rule);
      let node = root;
      for (const seg of path) node = node.getOrCreate(seg);
      node.rules.push({ rule, module: m, keys });
    }
  }
  return root;
}

export function lookupNode(root: RuleNode, path: string[]): RuleNode | undefined {
  let n: RuleNode | undefined = root;
  for (const seg of path) {
    n = n.child(seg);
    if (!n) return undefined;
  }
  return n;
}
