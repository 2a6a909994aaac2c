// Rego AST → IR planner, following the semantics of OPA's internal/planner: every rule path
// becomes a Func (`g0.data.pkg.rule`), every entrypoint or query a Plan. Planning is written in
// continuation-passing style: planning a term or expression appends statements to the current
// block and then calls `iter` to plan whatever must run "inside" it (e.g. inside a ScanStmt that
// binds a variable). Anything undefined exits the innermost block, which gives Rego's semantics
// of conjunction (statements in a block) and disjunction (blocks side by side).
//
// The planner is one class built in layers, each in its own file: base.ts (state, locals,
// emitting, variable lookup) ← terms.ts (terms, refs, unification) ← exprs.ts (bodies, calls,
// `with`, `not`, `every`) ← this file (rules, entrypoints, queries).

import type {
  Location,
  RefValue,
  Rule,
  Term,
} from '../ast.ts';
import { ruleKind } from '../ast.ts';
import * as ir from '../ir/types.ts';
import type { RuleNode } from './ruletree.ts';
import { Scope } from './scope.ts';
import { ExprPlanner } from './exprs.ts';
import { DATA, fail, INPUT, moduleCtx, type Iter, type ModuleCtx, type PlanOptions, type QuerySpec } from './base.ts';

/** Plans modules: one function per rule path, one plan per entrypoint or query. */
export class Planner extends ExprPlanner {
  plan(opts: PlanOptions): ir.Policy {
    this.print = opts.print === true;
    for (const ep of opts.entrypoints) this.planEntrypoint(ep);
    for (const q of opts.queries ?? []) this.planQuerySpec(q);
    return {
      static: {
        strings: this.strings,
        builtinFuncs: [...this.builtins.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, arity]) => ({ name, arity })),
        files: this.files,
      },
      plans: this.plans,
      funcs: this.funcs,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Plans

  protected planEntrypoint(ep: string): void {
    const segs = ep.split(/[/.]/).filter((s) => s.length > 0);
    if (segs[0] === 'data') segs.shift();
    const loc = { file: '<entrypoint>', row: 1, col: 1 };
    const ref: Term<RefValue> = {
      value: {
        type: 'ref',
        head: { value: { type: 'var', name: 'data' }, location: loc },
        path: segs.map((s) => ({ value: { type: 'string', value: s }, location: loc })),
      },
      location: loc,
    };
    const block: ir.Block = { stmts: [] };
    this.resetBodyState(block, moduleCtx(undefined));
    this.loc = undefined;
    this.planTerm(ref, () => {
      const lr = this.newLocal();
      this.emit({ type: 'MakeObjectStmt', target: lr });
      this.emit({ type: 'ObjectInsertStmt', key: this.str('result'), value: this.ltarget, object: lr });
      this.emit({ type: 'ResultSetAddStmt', value: lr });
    });
    this.plans.push({ name: segs.join('/'), blocks: [block] });
  }

  protected planQuerySpec(q: QuerySpec): void {
    const block: ir.Block = { stmts: [] };
    this.resetBodyState(block, moduleCtx(undefined));
    this.planQuery(q.body, 0, () => {
      const lr = this.newLocal();
      this.emit({ type: 'MakeObjectStmt', target: lr });
      this.planEach(q.vars, (v, next) => this.planTerm(v.term, () => {
        this.emit({ type: 'ObjectInsertStmt', key: this.str(v.name), value: this.ltarget, object: lr });
        next();
      }), () => this.emit({ type: 'ResultSetAddStmt', value: lr }));
    });
    this.plans.push({ name: q.name, blocks: [block] });
  }

  protected resetBodyState(block: ir.Block, ctx: ModuleCtx): void {
    this.curr = block;
    this.vars = new Scope();
    this.lnext = 2;
    this.ctx = ctx;
  }

  // ---------------------------------------------------------------------------------------------
  // Rules → functions

  protected planRules(node: RuleNode): string {
    const key = node.path.join('.');
    const frame = this.funcCache[this.funcCache.length - 1];
    if (!frame) fail(this.loc, 'internal: no function frame');
    const cached = frame.map.get(key);
    if (cached) return cached;

    const entries = node.rules;
    const first = entries[0];
    if (!first) fail(this.loc, `no rules at data.${key}`);
    const name = `g${frame.gen}.data.${key}`;
    frame.map.set(key, name);

    // Save the state of the enclosing plan or function.
    const saved = {
      vars: this.vars,
      curr: this.curr,
      ltarget: this.ltarget,
      lnext: this.lnext,
      loc: this.loc,
      ctx: this.ctx,
      site: this.site,
    };
    this.site = ++this.siteCounter;
    this.lnext = 0;
    this.loc = first.rule.head.location;

    const isFunc = entries.some((e) => e.rule.head.args !== null);
    // Ref heads with variables (`p[k] := v`, `p[a][b] contains x`) build (nested) objects.
    const isObj = !isFunc && entries.some((e) => e.keys.length > 0);
    const isSet = !isFunc && !isObj && entries.some((e) => e.rule.head.contains);
    const nargs = isFunc ? Math.max(...entries.map((e) => e.rule.head.args?.length ?? 0)) : 0;

    const params: ir.Local[] = [this.newLocal(), this.newLocal()];
    for (let i = 0; i < nargs; i++) params.push(this.newLocal());
    const ret = this.newLocal();
    const fn: ir.Func = { name, params, return: ret, blocks: [], path: [`g${frame.gen}`, ...node.path] };
    if (isSet) fn.blocks.push(this.blockWith({ type: 'MakeSetStmt', target: ret }));
    if (isObj) fn.blocks.push(this.blockWith({ type: 'MakeObjectStmt', target: ret }));
    const lresult = this.newLocal();
    const lnext = this.lnext;

    let defaultEntry: (typeof entries)[number] | undefined;
    const objectDefaults: (typeof entries)[number][] = [];
    for (const entry of entries) {
      if (entry.rule.default) {
        // `default p[true] := v` (a constant non-string key) is a default inside an object rule.
        if (isObj && entry.keys.length > 0) objectDefaults.push(entry);
        else defaultEntry = entry;
        continue;
      }
      const ctx = moduleCtx(entry.module);
      let blocks: ir.Block[] = fn.blocks;
      if (entry.rule.else) {
        const stmt: ir.Stmt = { type: 'BlockStmt', blocks: [] };
        fn.blocks.push({ stmts: [stmt] });
        blocks = stmt.blocks;
      }
      const topArgs = entry.rule.head.args ?? [];
      let prev: Rule | null = null;
      for (let rule: Rule | null = entry.rule; rule; prev = rule, rule = rule.else) {
        this.loc = rule.head.location;
        this.lnext = lnext;
        this.vars = new Scope();
        this.ctx = ctx;
        const curr: ir.Block = { stmts: [] };
        blocks.push(curr);
        this.curr = curr;
        if (prev) this.emit({ type: 'IsUndefinedStmt', source: lresult });
        else this.emit({ type: 'ResetLocalStmt', target: lresult });
        const r: Rule = rule;
        const args = r.head.args ?? topArgs;
        const exitEarly = !isFunc && !entry.rule.else && constantHead(r, entry.keys, isSet, isObj);
        this.planFuncParams(params.slice(2), args, 0, () => {
          this.planQuery(r.body, 0, () => {
            this.loc = r.head.location;
            if (isSet) {
              const k = r.head.key;
              if (!k) fail(r.head.location, 'multi-value rule without a key');
              this.planTerm(k, () => this.emit({ type: 'SetAddStmt', value: this.ltarget, set: ret }));
            } else if (isObj) {
              if (r.head.contains) this.planObjectRuleHead(ret, entry.keys, r.head.key, r.head.location, true);
              else this.planObjectRuleHead(ret, entry.keys, r.head.value, r.head.location, false);
            } else {
              const v = r.head.value;
              if (!v) fail(r.head.location, 'rule without a value');
              this.planTerm(v, () => this.emit({ type: 'AssignVarOnceStmt', source: this.ltarget, target: lresult }));
            }
            if (exitEarly) this.emit({ type: 'BreakStmt', index: EXIT_BODY });
          });
        });
        if (exitEarly) resolveBodyExits(curr);
      }
      if (!isSet && !isObj) {
        blocks.push({
          stmts: [
            this.located({ type: 'IsDefinedStmt', source: lresult }),
            this.located({ type: 'AssignVarOnceStmt', source: this.local(lresult), target: ret }),
          ],
        });
      }
    }

    if (defaultEntry) {
      const d = defaultEntry.rule;
      this.loc = d.head.location;
      this.lnext = lnext;
      this.vars = new Scope();
      this.ctx = moduleCtx(defaultEntry.module);
      const block = this.blockWith({ type: 'IsUndefinedStmt', source: ret });
      fn.blocks.push(block);
      this.curr = block;
      const v = d.head.value;
      if (!v) fail(d.head.location, 'default rule without a value');
      this.planQuery(d.body, 0, () => {
        this.planTerm(v, () => this.emit({ type: 'AssignVarOnceStmt', source: this.ltarget, target: ret }));
      });
    }

    for (const d of objectDefaults) this.planObjectDefault(fn.blocks, ret, d.rule, d.keys, moduleCtx(d.module), lnext);

    // Rules deeper under an object rule's path (`p[k] := v` with `p.q.r := 1`) add their keys.
    if (isObj) {
      this.lnext = Math.max(this.lnext, lnext);
      this.vars = new Scope();
      const block: ir.Block = { stmts: [] };
      fn.blocks.push(block);
      this.curr = block;
      // Keys of equal length: values sit at that depth, and a deeper rule must not write into one.
      const depths = new Set(entries.filter((e) => !e.rule.default && e.keys.length > 0).map((e) => e.keys.length));
      this.planMergeChildren(ret, node, depths.size === 1 ? [...depths][0] : undefined);
    }

    this.loc = first.rule.head.location;
    fn.blocks.push(this.blockWith({ type: 'ReturnLocalStmt', source: ret }));
    this.funcs.push(fn);

    this.vars = saved.vars;
    this.curr = saved.curr;
    this.ltarget = saved.ltarget;
    this.lnext = saved.lnext;
    this.loc = saved.loc;
    this.ctx = saved.ctx;
    this.site = saved.site;
    return name;
  }

  /**
   * Merges the values of the rules below node into obj, level by level. valueDepth (object rules
   * under node): the level where their values sit; a rule deeper under one of those values injects
   * into another rule's value, a conflict when that value exists (OPA: eval_conflict_error).
   */
  protected planMergeChildren(obj: ir.Local, node: RuleNode, valueDepth?: number, ldefined?: ir.Local): void {
    for (const [cname, child] of node.visibleChildren()) {
      if (child.outsideDocument()) continue;
      const block: ir.Block = { stmts: [] };
      const prev = this.curr;
      this.curr = block;
      if (child.rules.length > 0) {
        const cf = this.planRules(child);
        const l = this.newLocal();
        this.emit({ type: 'CallStmt', func: cf, args: [this.local(INPUT), this.local(DATA)], result: l });
        if (ldefined !== undefined) this.emit({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: ldefined });
        this.planMergeInto(obj, cname, l);
      } else if (valueDepth === 1) {
        // Below an object rule's value: merged only when no rule produced a value at this key.
        // Undefined deeper rules inject nothing (lany stays unset); a defined one meets the value
        // there (insert once: a conflict unless equal).
        const k = this.str(cname);
        const lsub = this.newLocal();
        const lexist = this.newLocal();
        const lany = this.newLocal();
        const L = (x: ir.Stmt): ir.LocatedStmt => this.located(x);
        this.emit({ type: 'ResetLocalStmt', target: lany });
        this.emit({ type: 'MakeObjectStmt', target: lsub });
        this.planMergeChildren(lsub, child, undefined, lany);
        this.emit({ type: 'ResetLocalStmt', target: lexist });
        this.emit({ type: 'BlockStmt', blocks: [this.blockWith({ type: 'DotStmt', source: this.local(obj), key: k, target: lexist })] });
        this.emit({ type: 'BlockStmt', blocks: [{ stmts: [L({ type: 'IsUndefinedStmt', source: lexist }), L({ type: 'ObjectInsertStmt', key: k, value: this.local(lsub), object: obj })] }] });
        this.emit({
          type: 'BlockStmt',
          blocks: [{
            stmts: [
              L({ type: 'IsDefinedStmt', source: lexist }),
              L({ type: 'IsDefinedStmt', source: lany }),
              L({ type: 'ObjectInsertOnceStmt', key: k, value: this.local(lsub), object: obj }),
            ],
          }],
        });
      } else {
        const k = this.str(cname);
        const lnested = this.newLocal();
        this.emit({ type: 'ResetLocalStmt', target: lnested });
        this.emit({ type: 'BlockStmt', blocks: [this.blockWith({ type: 'DotStmt', source: this.local(obj), key: k, target: lnested })] });
        this.emit({
          type: 'BlockStmt',
          blocks: [
            {
              stmts: [
                this.located({ type: 'IsUndefinedStmt', source: lnested }),
                this.located({ type: 'MakeObjectStmt', target: lnested }),
                this.located({ type: 'ObjectInsertStmt', key: k, value: this.local(lnested), object: obj }),
              ],
            },
          ],
        });
        this.emit({ type: 'IsObjectStmt', source: this.local(lnested) });
        this.planMergeChildren(lnested, child, valueDepth === undefined ? undefined : valueDepth - 1, ldefined);
      }
      this.curr = prev;
      this.emit({ type: 'BlockStmt', blocks: [block] });
    }
  }

  /**
   * Adds a deeper rule's value under key in obj: inserted when absent; sets are unioned and
   * objects merged when both sides are; anything else must be equal (else a conflict error).
   */
  protected planMergeInto(obj: ir.Local, key: string, val: ir.Local): void {
    const k = this.str(key);
    const lexist = this.newLocal();
    const ldone = this.newLocal();
    const lk = this.newLocal();
    const lv = this.newLocal();
    const lm = this.newLocal();
    const L = (s: ir.Stmt): ir.LocatedStmt => this.located(s);
    const yes: ir.Operand = { type: 'bool', value: true };
    this.emit({ type: 'ResetLocalStmt', target: lexist });
    this.emit({ type: 'ResetLocalStmt', target: ldone });
    this.emit({ type: 'BlockStmt', blocks: [{ stmts: [L({ type: 'DotStmt', source: this.local(obj), key: k, target: lexist })] }] });
    this.emit({
      type: 'BlockStmt',
      blocks: [
        { stmts: [L({ type: 'IsUndefinedStmt', source: lexist }), L({ type: 'ObjectInsertStmt', key: k, value: this.local(val), object: obj }), L({ type: 'AssignVarStmt', source: yes, target: ldone })] },
      ],
    });
    this.emit({
      type: 'BlockStmt',
      blocks: [
        {
          stmts: [
            L({ type: 'IsUndefinedStmt', source: ldone }),
            L({ type: 'IsSetStmt', source: this.local(lexist) }),
            L({ type: 'IsSetStmt', source: this.local(val) }),
            L({ type: 'ScanStmt', source: val, key: lk, value: lv, block: { stmts: [L({ type: 'SetAddStmt', value: this.local(lv), set: lexist })] } }),
            L({ type: 'AssignVarStmt', source: yes, target: ldone }),
          ],
        },
      ],
    });
    this.emit({
      type: 'BlockStmt',
      blocks: [
        {
          stmts: [
            L({ type: 'IsUndefinedStmt', source: ldone }),
            L({ type: 'IsObjectStmt', source: this.local(lexist) }),
            L({ type: 'IsObjectStmt', source: this.local(val) }),
            L({ type: 'ObjectMergeStmt', a: lexist, b: val, target: lm }),
            L({ type: 'ObjectInsertStmt', key: k, value: this.local(lm), object: obj }),
            L({ type: 'AssignVarStmt', source: yes, target: ldone }),
          ],
        },
      ],
    });
    this.emit({
      type: 'BlockStmt',
      blocks: [{ stmts: [L({ type: 'IsUndefinedStmt', source: ldone }), L({ type: 'ObjectInsertOnceStmt', key: k, value: this.local(val), object: obj })] }],
    });
  }

  /**
   * `p[k] := v` inserts once into the object; `p[a][b] := v` builds nested objects. The value and
   * every key are evaluated first: if any is undefined nothing is created (OPA creates no key for
   * `d[input.name] contains input.missing`).
   */
  /** A default inside an object rule: its value at its (constant) keys when no rule put one there. */
  protected planObjectDefault(blocks: ir.Block[], ret: ir.Local, d: Rule, keys: Term[], ctx: ModuleCtx, lnext: number): void {
    this.loc = d.head.location;
    this.lnext = Math.max(this.lnext, lnext);
    this.vars = new Scope();
    this.ctx = ctx;
    const block: ir.Block = { stmts: [] };
    blocks.push(block);
    this.curr = block;
    const lfound = this.newLocal();
    this.emit({ type: 'ResetLocalStmt', target: lfound });
    const lookup: ir.Block = { stmts: [] };
    this.curr = lookup;
    const walk = (src: ir.Local, i: number): void => {
      const k = keys[i];
      if (!k) {
        this.emit({ type: 'AssignVarStmt', source: this.local(src), target: lfound });
        return;
      }
      this.planTerm(k, () => {
        const next = this.newLocal();
        this.emit({ type: 'DotStmt', source: this.local(src), key: this.ltarget, target: next });
        walk(next, i + 1);
      });
    };
    walk(ret, 0);
    this.curr = block;
    this.emit({ type: 'BlockStmt', blocks: [lookup] });
    const apply: ir.Block = { stmts: [] };
    this.curr = apply;
    this.emit({ type: 'IsUndefinedStmt', source: lfound });
    this.planQuery(d.body, 0, () => this.planObjectRuleHead(ret, keys, d.head.value, d.head.location, false));
    this.curr = block;
    this.emit({ type: 'BlockStmt', blocks: [apply] });
  }

  protected planObjectRuleHead(ret: ir.Local, keys: Term[], value: Term | null, loc: Location, setLeaf: boolean): void {
    if (!value) fail(loc, 'object rule without a value');
    this.planTerm(value, () => {
      const lv = this.ltarget;
      const lkeys: ir.Operand[] = [];
      const planKeys = (i: number): void => {
        const k = keys[i];
        if (!k) return this.planObjectInserts(ret, lkeys, lv, setLeaf);
        this.planTerm(k, () => {
          lkeys.push(this.ltarget);
          planKeys(i + 1);
          lkeys.pop();
        });
      };
      planKeys(0);
    });
  }

  protected planObjectInserts(ret: ir.Local, keys: ir.Operand[], value: ir.Operand, setLeaf: boolean): void {
    const rec = (obj: ir.Local, i: number): void => {
      const lk = keys[i];
      if (lk === undefined) return;
      if (i === keys.length - 1 && !setLeaf) {
        this.emit({ type: 'ObjectInsertOnceStmt', key: lk, value, object: obj });
        return;
      }
      const last = i === keys.length - 1;
      // Intermediate level: reuse the nested object if the key exists, else create it.
      const lnested = this.newLocal();
      this.emit({ type: 'ResetLocalStmt', target: lnested });
      this.emit({ type: 'BlockStmt', blocks: [this.blockWith({ type: 'DotStmt', source: this.local(obj), key: lk, target: lnested })] });
      this.emit({
        type: 'BlockStmt',
        blocks: [
          {
            stmts: [
              this.located({ type: 'IsUndefinedStmt', source: lnested }),
              this.located(last ? { type: 'MakeSetStmt', target: lnested } : { type: 'MakeObjectStmt', target: lnested }),
              this.located({ type: 'ObjectInsertStmt', key: lk, value: this.local(lnested), object: obj }),
            ],
          },
        ],
      });
      if (last) {
        this.emit({ type: 'IsSetStmt', source: this.local(lnested) });
        this.emit({ type: 'SetAddStmt', value, set: lnested });
        return;
      }
      this.emit({ type: 'IsObjectStmt', source: this.local(lnested) });
      rec(lnested, i + 1);
    };
    rec(ret, 0);
  }

  protected planFuncParams(params: ir.Local[], args: Term[], i: number, iter: Iter): void {
    const p = params[i];
    const a = args[i];
    if (p === undefined || a === undefined) return iter();
    this.planUnifyLocal(this.local(p), a, () => this.planFuncParams(params, args, i + 1, iter));
  }

  // ---------------------------------------------------------------------------------------------
  // Bodies and expressions
}

export { ruleKind };
export { moduleCtx };
export type { PlanOptions, QuerySpec } from './base.ts';

/** Marks the end of a rule body's first success until resolveBodyExits gives it its depth. */
const EXIT_BODY = -1;

/** A constant term: no vars, refs, calls or comprehensions. */
function isConstant(t: Term): boolean {
  const v = t.value;
  switch (v.type) {
    case 'null': case 'boolean': case 'number': case 'string': return true;
    case 'array': case 'set': return v.items.every(isConstant);
    case 'object': return v.items.every(([k, x]) => isConstant(k) && isConstant(x));
    default: return false;
  }
}

/**
 * OPA's early exit: a rule whose head is constant (value, and key of a multi-value or object rule)
 * gives the same document on every success of its body, so the body stops at its first one. The
 * document is the same; what changes is that later iterations never run (OPA's topdown: their
 * builtin errors, under strict builtin errors, never happen).
 */
function constantHead(r: Rule, keys: Term[], isSet: boolean, isObj: boolean): boolean {
  if (!keys.every(isConstant)) return false;
  if (isSet || (isObj && r.head.contains)) return r.head.key !== null && r.head.key !== undefined && isConstant(r.head.key);
  return r.head.value !== null && r.head.value !== undefined && isConstant(r.head.value);
}

/**
 * Gives each EXIT_BODY break the depth that leaves the rule body's block (index 0 = the innermost
 * block, as the emitter counts: each Block of a BlockStmt, a scan's, not's and with's block). An
 * exit inside a `with` or `not` block becomes a no-op: leaving it early would skip its undoing.
 */
function resolveBodyExits(body: ir.Block): void {
  const walk = (stmts: ir.LocatedStmt[], depth: number, guarded: boolean): void => {
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i]!;
      switch (s.type) {
        case 'BreakStmt':
          if (s.index === EXIT_BODY) stmts[i] = guarded ? { ...s, type: 'NopStmt' } as ir.LocatedStmt : { ...s, index: depth };
          break;
        case 'BlockStmt': for (const b of s.blocks) walk(b.stmts, depth + 1, guarded); break;
        case 'ScanStmt': walk(s.block.stmts, depth + 1, guarded); break;
        case 'NotStmt': case 'WithStmt': walk(s.block.stmts, depth + 1, true); break;
        default: break;
      }
    }
  };
  walk(body.stmts, 0, false);
}
