// Compile-time checks over a set of modules, in the order OPA's compiler runs them:
// imports → rule table → per rule: name resolution + local rewriting (rewrite.ts), safety with
// body reordering (safety.ts) → calls (undefined functions, arity) → rule conflicts → recursion.
//
// Output guarantees (what the planner may rely on when diagnostics is empty):
// - modules are fresh copies; inputs are not modified;
// - every var that names a rule of the package or an import is replaced by its full ref
//   (`data.pkg.rule…`, or the imported `input.x…`); standalone `input`/`data` are refs with an
//   empty path; call operators of user functions are `data.pkg.f` refs, builtins keep their name;
// - `:=` is rewritten to `=` (eq); `:=`/`some`/`every`/function-argument vars have unique names
//   `__localN__`; wildcards are unique `$N`; `some x in xs` is `xs[$N] = x`, `some k, v in xs` is
//   `xs[k] = v`; plain `some x` declarations are removed (an emptied body becomes `true`);
// - every body (rule, else, comprehension, every) is in a safe evaluation order, with `index`
//   renumbered; head vars are bound by the body.

import type { Module, Rule, Term } from '../ast.ts';
import { ruleKind } from '../ast.ts';
import { BUILTIN_ARITY, DEPRECATED_IN_V1, VARIADIC, builtinArity } from '../builtins/decls.ts';
import { checkLiteralArgTypes } from './types.ts';
import { diagnostic, type Diagnostic } from '../diagnostics.ts';
import { rewriteRule, type RewriteContext } from './rewrite.ts';
import { indexMetadata, inlineMetadata } from './metadata.ts';
import { checkRecursion, type RuleGroup } from './recursion.ts';
import { checkHead, reorderBody, reorderTermClosures, type SafetyContext } from './safety.ts';
import { checkStaticUnification } from './unify.ts';
import { forEachTerm, varsOf } from './walk.ts';

export interface CheckOptions {
  /**
   * Files whose rules are queries, not policy: nothing can depend on them, so a query that reads
   * `data` (or its own package) is not reported as recursive.
   */
  queryFiles?: readonly string[];
}

export function checkModules(input: Module[], options: CheckOptions = {}): { modules: Module[]; diagnostics: Diagnostic[] } {
  // Shallow copies: every stage below builds new rule/expr/term objects and never mutates its input.
  const modules = input.map((m) => ({ ...m, rules: [...m.rules] }));
  const diagnostics: Diagnostic[] = [];

  for (const m of modules) checkImports(m, diagnostics);

  const groups = buildGroups(modules);
  const groupByKey = new Map(groups.map((g) => [g.key, g]));
  const functionArity = (name: string): number | undefined => {
    if (name.startsWith('data.')) {
      const g = groupByKey.get(name);
      const fn = g?.rules.find((r) => r.rule.head.args !== null);
      return fn ? fn.rule.head.args!.length : undefined;
    }
    const a = builtinArity(name);
    return a === undefined || a === VARIADIC ? undefined : a;
  };

  const original = new Map<string, string>();
  const counter = { n: 0 };
  const rulePath = (m: Module, r: Rule): string[] => {
    const parts = [...packageParts(m), r.head.name];
    for (const t of r.head.ref.slice(1)) {
      if (t.value.type !== 'string') break;
      parts.push(t.value.value);
    }
    return parts;
  };
  const metadata = indexMetadata(modules, rulePath);
  for (const m of modules) {
    const pkg = packageParts(m);
    const globals = new Map<string, Term<{ type: 'ref'; head: Term; path: Term[] }>>();
    const callable = new Set<string>();
    for (const g of groups) {
      if (g.pkg !== pkg.join('.')) continue;
      for (const { rule } of g.rules) {
        const name = rule.head.name;
        if (rule.head.args !== null) callable.add(name);
        const loc = rule.head.location;
        globals.set(name, {
          value: {
            type: 'ref',
            head: { value: { type: 'var', name: 'data' }, location: loc },
            path: [...pkg, name].map((s) => ({ value: { type: 'string' as const, value: s }, location: loc })),
          },
          location: loc,
        });
      }
    }
    // For values a rule wins over an import of the same name; for calls the import wins (both as
    // regorus: "import alias shadowed by rule", "import shadows module-local value rule for
    // function calls").
    const callGlobals = new Map(globals);
    for (const imp of m.imports) {
      const head = imp.path.value.head;
      const root = head.value.type === 'var' ? head.value.name : '';
      if (root !== 'data' && root !== 'input') continue;
      const last = imp.path.value.path[imp.path.value.path.length - 1];
      const name = imp.alias ?? (last && last.value.type === 'string' ? last.value.value : root);
      if (name !== 'data' && name !== 'input') {
        if (!globals.has(name)) globals.set(name, imp.path);
        callGlobals.set(name, imp.path);
        callable.add(name);
      }
    }
    const v1 = m.imports.some((i) => importName(i.path) === 'rego.v1');
    const rctx: RewriteContext = { globals, callGlobals, callable, v1, original, diagnostics, counter };
    const sctx: SafetyContext = { diagnostics, original, arity: functionArity };
    m.rules = m.rules.map((rule) => {
      if (v1 && (rule.head.name === 'input' || rule.head.name === 'data')) {
        diagnostics.push(diagnostic('rego_compile_error', rule.head.location, `${rule.head.name} cannot be shadowed`));
      }
      const before = diagnostics.length;
      const rewritten = rewriteRule(inlineMetadata(rule, rulePath(m, rule), pkg, metadata), rctx);
      if (diagnostics.length > before) return rewritten;
      const safe = safeRule(rewritten, sctx);
      checkCalls(safe, m, v1, groupByKey, diagnostics);
      checkStaticUnification(safe, diagnostics);
      return safe;
    });
  }

  // Conflicts and recursion are about the rewritten rules (refs resolved).
  const rewrittenGroups = buildGroups(modules);
  checkConflicts(rewrittenGroups, modules, diagnostics);
  if (diagnostics.length === 0) {
    const queries = new Set(options.queryFiles ?? []);
    const isQuery = (g: RuleGroup): boolean => g.rules.every((r) => queries.has(r.module.file));
    checkRecursion(rewrittenGroups, diagnostics, isQuery);
  }

  return { modules, diagnostics: dedupe(diagnostics) };
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.file}:${d.row}:${d.col}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function importName(t: Term): string {
  const v = t.value;
  if (v.type !== 'ref' || v.head.value.type !== 'var') return '';
  return [v.head.value.name, ...v.path.map((p) => (p.value.type === 'string' ? p.value.value : '?'))].join('.');
}

function checkImports(m: Module, diagnostics: Diagnostic[]): void {
  let sawRegoV1 = false;
  let sawFuture = false;
  const aliases = new Map<string, string>();
  for (const imp of m.imports) {
    const name = importName(imp.path);
    if (name === 'rego.v1') {
      if (sawRegoV1 || sawFuture) diagnostics.push(diagnostic('rego_compile_error', imp.location, 'rego.v1: this import shadows previous import'));
      sawRegoV1 = true;
      continue;
    }
    if (name === 'future.keywords' || name.startsWith('future.keywords.')) {
      if (sawRegoV1) diagnostics.push(diagnostic('rego_compile_error', imp.location, `${name}: this import shadows previous import`));
      sawFuture = true;
      continue;
    }
    if (name.startsWith('future.') || name.startsWith('rego.')) {
      diagnostics.push(diagnostic('rego_parse_error', imp.location, `unexpected import path ${name}`));
      continue;
    }
    const parts = name.split('.');
    const alias = imp.alias ?? parts[parts.length - 1] ?? name;
    const prev = aliases.get(alias);
    if (prev !== undefined && prev !== name) {
      diagnostics.push(diagnostic('rego_compile_error', imp.location, `import ${name} shadows import ${prev}: this import shadows previous import`));
    }
    aliases.set(alias, name);
  }
}

function packageParts(m: Module): string[] {
  return m.package.path.value.path.map((p) => (p.value.type === 'string' ? p.value.value : ''));
}

/** Rules grouped by their ground path (package + head ref up to the first non-string element). */
function buildGroups(modules: Module[]): RuleGroup[] {
  const byKey = new Map<string, RuleGroup>();
  for (const m of modules) {
    const pkg = packageParts(m);
    for (const rule of m.rules) {
      const parts = [...pkg, rule.head.name];
      let key = 'data.' + parts.join('.');
      for (const t of rule.head.ref.slice(1)) {
        const v = t.value;
        if (v.type === 'string') {
          parts.push(v.value);
          key += '.' + v.value;
        } else if (v.type === 'number' || v.type === 'boolean' || v.type === 'null') {
          // A ground non-string key (`complex[true]`) can never be named by a dotted ref.
          const k = v.type === 'number' ? v.text : v.type === 'boolean' ? String(v.value) : 'null';
          parts.push('\u0000' + k);
          key += `[${k}]`;
        } else break;
      }
      let g = byKey.get(key);
      if (!g) {
        g = { key, path: parts, pkg: pkg.join('.'), rules: [] };
        byKey.set(key, g);
      }
      g.rules.push({ rule, module: m });
    }
  }
  return [...byKey.values()];
}

/** Safety for one rule and its else chain: reorder bodies, check head vars. */
function safeRule(rule: Rule, ctx: SafetyContext): Rule {
  const safe = new Set<string>();
  if (rule.head.args) for (const a of rule.head.args) varsOf(a, true, safe);
  const headTerms: Term[] = [];
  for (const t of rule.head.ref.slice(1)) headTerms.push(t);
  if (rule.head.key) headTerms.push(rule.head.key);
  if (rule.head.value) headTerms.push(rule.head.value);
  const headVars = new Set<string>();
  for (const t of headTerms) varsOf(t, true, headVars);
  const r = reorderBody(rule.body, safe, new Set(), ctx, headVars);
  checkHead(headTerms, r.bound, ctx);
  const outer = new Set<string>([...r.bound, ...headVars]);
  const mapHead = (t: Term | null): Term | null => (t ? reorderTermClosures(t, r.bound, outer, ctx) : null);
  return {
    ...rule,
    head: {
      ...rule.head,
      key: mapHead(rule.head.key),
      value: mapHead(rule.head.value),
      ref: rule.head.ref.map((t, i) => (i === 0 ? t : mapHead(t)!)),
    },
    body: r.body,
    else: rule.else ? safeRule(rule.else, ctx) : null,
  };
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

/** Undefined functions and arity of every call in the rule. */
function checkCalls(
  rule: Rule,
  m: Module,
  v1: boolean,
  groups: Map<string, RuleGroup>,
  diagnostics: Diagnostic[],
): void {
  const check = (op: Term, args: Term[], exprLevel: boolean): void => {
    const nargs = args.length;
    const name = opName(op);
    if (name === null) {
      diagnostics.push(diagnostic('rego_type_error', op.location, 'illegal call: operator is not a function name'));
      return;
    }
    let arity: number | undefined;
    let shown = name;
    if (name.startsWith('data.')) {
      const g = groups.get(name);
      const fn = g?.rules.find((r) => r.rule.head.args !== null);
      if (!fn) {
        diagnostics.push(diagnostic('rego_type_error', op.location, `undefined function ${name}: could not find function ${name.slice(5)}`));
        return;
      }
      arity = fn.rule.head.args!.length;
      shown = name;
    } else {
      arity = builtinArity(name);
      if (arity === undefined || (v1 && DEPRECATED_IN_V1.has(name))) {
        diagnostics.push(diagnostic('rego_type_error', op.location, `undefined function ${name}: could not find function ${name}`));
        return;
      }
    }
    if (arity === VARIADIC) return;
    const ok = nargs === arity || (exprLevel && nargs === arity + 1 && name !== 'eq' && name !== 'assign');
    if (ok && !name.startsWith('data.')) checkLiteralArgTypes(name, args, diagnostics);
    if (!ok) {
      diagnostics.push(
        diagnostic(
          'rego_type_error',
          op.location,
          `${shown}: arity mismatch: \`${shown}\` expects ${arity} argument${arity === 1 ? '' : 's'}, got ${nargs}`,
        ),
      );
    }
  };
  const visitTerm = (t: Term): void =>
    forEachTerm(
      t,
      (x) => {
        const v = x.value;
        if (v.type === 'call') check(v.operator, v.args, false);
        else if (v.type === 'arraycomprehension' || v.type === 'setcomprehension') {
          visitTerm(v.term);
          visitBody(v.body);
        } else if (v.type === 'objectcomprehension') {
          visitTerm(v.key);
          visitTerm(v.value);
          visitBody(v.body);
        }
      },
      true,
    );
  const visitBody = (body: Rule['body']): void => {
    for (const e of body) {
      const t = e.terms;
      if (Array.isArray(t)) {
        check(t[0]!, t.slice(1), true);
        for (const a of t.slice(1)) visitTerm(a);
      } else if (!('type' in t)) {
        visitTerm(t);
      } else if (t.type === 'every') {
        visitTerm(t.domain);
        visitBody(t.body);
      }
      for (const w of e.with) visitTerm(w.value);
    }
  };
  const visitRule = (r: Rule): void => {
    visitBody(r.body);
    for (const t of [r.head.key, r.head.value, ...(r.head.args ?? [])]) if (t) visitTerm(t);
    if (r.else) visitRule(r.else);
  };
  void m;
  visitRule(rule);
}

/** Conflicts OPA reports at compile time. */
function checkConflicts(groups: RuleGroup[], modules: Module[], diagnostics: Diagnostic[]): void {
  for (const g of groups) {
    const kinds = new Set(g.rules.map((r) => ruleKind(r.rule)));
    const first = g.rules[0]!.rule;
    if (kinds.has('function') && kinds.size > 1) {
      diagnostics.push(diagnostic('rego_type_error', first.location, `conflicting rules ${g.key} found`));
      continue;
    }
    if (kinds.has('partial-set') && kinds.size > 1) {
      diagnostics.push(diagnostic('rego_type_error', first.location, `conflicting rules ${g.key} found`));
      continue;
    }
    const defaults = g.rules.filter((r) => r.rule.default);
    if (defaults.length > 1) {
      diagnostics.push(diagnostic('rego_type_error', defaults[1]!.rule.location, `multiple default rules ${g.key} found`));
    }
    if (kinds.has('function')) {
      const arities = new Set(g.rules.map((r) => r.rule.head.args?.length ?? 0));
      if (arities.size > 1) {
        diagnostics.push(diagnostic('rego_type_error', first.location, `conflicting rules ${g.key} found: functions have different arities`));
      }
    }
  }
  // A complete rule whose path is a strict prefix of another rule's or a package's path.
  // Every strict dotted prefix of every rule key and package path, with one owner to name.
  const extendedBy = new Map<string, string>();
  const addPrefixes = (full: string, owner: string): void => {
    for (let i = full.indexOf('.'); i >= 0; i = full.indexOf('.', i + 1)) {
      const prefix = full.slice(0, i);
      if (!extendedBy.has(prefix)) extendedBy.set(prefix, owner);
    }
  };
  for (const o of groups) addPrefixes(o.key, o.key);
  for (const m of modules) {
    const pkg = 'data.' + packageParts(m).join('.');
    addPrefixes(pkg + '.', `package ${pkg.slice(5)}`);
  }
  for (const g of groups) {
    const complete = g.rules.filter((r) => ruleKind(r.rule) === 'complete' && r.rule.head.args === null);
    if (complete.length === 0) continue;
    const owner = extendedBy.get(g.key);
    if (owner !== undefined) {
      const what = owner;
      diagnostics.push(diagnostic('rego_type_error', complete[0]!.rule.location, `rule ${g.key} conflicts with ${what}`));
    }
  }
  void BUILTIN_ARITY;
}
