// Rego AST → IR planner, following the semantics of OPA's internal/planner: every rule path
// becomes a Func (`g0.data.pkg.rule`), every entrypoint or query a Plan. Planning is written in
// continuation-passing style: planning a term or expression appends statements to the current
// block and then calls `iter` to plan whatever must run "inside" it (e.g. inside a ScanStmt that
// binds a variable). Anything undefined exits the innermost block, which gives Rego's semantics
// of conjunction (statements in a block) and disjunction (blocks side by side).

import type {
  Body,
  Every,
  Expr,
  Location,
  Module,
  RefValue,
  Rule,
  SomeDecl,
  SomeIn,
  Term,
  With,
} from '../ast.ts';
import { isCallExpr, isEveryExpr, isSomeExpr, isTermExpr, operatorName, ruleKind } from '../ast.ts';
import { diagnostic, DiagnosticError } from '../diagnostics.ts';
import * as ir from '../ir/types.ts';
import { builtinArity, RELATION_BUILTINS } from './builtin-arity.ts';
import { buildRuleTree, lookupNode, packagePath, type RuleNode } from './ruletree.ts';
import { Scope } from './scope.ts';

type Iter = () => void;

/** Resolution context of the module whose rule is being planned (package and imports). */
interface ModuleCtx {
  pkg: string[];
  /** Import alias → the imported ref (`data.a.b`, `input.x`). */
  imports: Map<string, Term<RefValue>>;
}

/** What `with f as v` replaced a function or builtin by. */
type Mock =
  /** depths: the function-cache and mock stacks as they were before this `with`. */
  | { kind: 'func'; target: Callee; cacheDepth: number; mockDepth: number }
  | { kind: 'value'; term: Term; ground: boolean; site: number };

type Callee = { kind: 'func'; node: RuleNode; key: string } | { kind: 'builtin'; name: string; key: string };

export interface QuerySpec {
  /** Plan name (the SDK's entrypoint name). */
  name: string;
  body: Body;
  /** Result keys (variable names as written) and the terms whose values they report. */
  vars: { name: string; term: Term }[];
}

export interface PlanOptions {
  /** Entrypoints `pkg/rule` (or `pkg.rule`); each plan adds `{"result": value}` to the result set. */
  entrypoints: string[];
  queries?: QuerySpec[];
  /** Keep print/trace calls (their output goes to the host's opa_println); dropped otherwise, as OPA does. */
  print?: boolean;
}

const INPUT = ir.LOCAL_INPUT;
/** Reserved data key holding `with` replacement values computed from local variables. */
const MOCK_DATA_KEY = '__warden_with__';
const DATA = ir.LOCAL_DATA;

function fail(loc: Location | undefined, message: string): never {
  throw new DiagnosticError(diagnostic('rego_compile_error', loc ?? { file: '', row: 0, col: 0 }, message));
}

export function moduleCtx(m: Module | undefined): ModuleCtx {
  const imports = new Map<string, Term<RefValue>>();
  if (m) {
    for (const imp of m.imports) {
      const ref = imp.path.value;
      const head = ref.head.value.type === 'var' ? ref.head.value.name : '';
      if (head !== 'data' && head !== 'input') continue;
      const last = ref.path[ref.path.length - 1];
      const name = imp.alias ?? (last && last.value.type === 'string' ? last.value.value : head);
      imports.set(name, imp.path);
    }
  }
  return { pkg: m ? packagePath(m) : [], imports };
}

export class Planner {
  private readonly strings: string[] = [];
  private readonly stringIdx = new Map<string, number>();
  private readonly files: string[] = [];
  private readonly builtins = new Map<string, number>();
  private readonly funcs: ir.Func[] = [];
  private readonly plans: ir.Plan[] = [];
  /** Planned functions by rule path; a new frame is pushed while `with` shadows rules or mocks. */
  private readonly funcCache: { gen: number; map: Map<string, string> }[] = [{ gen: 0, map: new Map() }];
  private genCounter = 0;
  private readonly mocks: Map<string, Mock>[] = [];
  private readonly root: RuleNode;

  private curr: ir.Block = { stmts: [] };
  private vars = new Scope();
  private ltarget: ir.Operand = { type: 'bool', value: true };
  private lnext = 2;
  private loc: Location | undefined;
  private ctx: ModuleCtx = { pkg: [], imports: new Map() };
  /** Identifies the function being planned, so value mocks bound to locals stay at their site. */
  private site = 0;
  private siteCounter = 0;
  private print = false;

  constructor(modules: Module[]) {
    this.root = buildRuleTree(modules);
  }

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

  private planEntrypoint(ep: string): void {
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

  private planQuerySpec(q: QuerySpec): void {
    const block: ir.Block = { stmts: [] };
    this.resetBodyState(block, moduleCtx(undefined));
    this.planQuery(q.body, 0, () => {
      const lr = this.newLocal();
      this.emit({ type: 'MakeObjectStmt', target: lr });
      const rec = (i: number): void => {
        const v = q.vars[i];
        if (!v) {
          this.emit({ type: 'ResultSetAddStmt', value: lr });
          return;
        }
        this.planTerm(v.term, () => {
          this.emit({ type: 'ObjectInsertStmt', key: this.str(v.name), value: this.ltarget, object: lr });
          rec(i + 1);
        });
      };
      rec(0);
    });
    this.plans.push({ name: q.name, blocks: [block] });
  }

  private resetBodyState(block: ir.Block, ctx: ModuleCtx): void {
    this.curr = block;
    this.vars = new Scope();
    this.lnext = 2;
    this.ctx = ctx;
  }

  // ---------------------------------------------------------------------------------------------
  // Rules → functions

  private planRules(node: RuleNode): string {
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
    for (const entry of entries) {
      if (entry.rule.default) {
        defaultEntry = entry;
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
          });
        });
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

    // Rules deeper under an object rule's path (`p[k] := v` with `p.q.r := 1`) add their keys.
    if (isObj) {
      this.lnext = Math.max(this.lnext, lnext);
      this.vars = new Scope();
      const block: ir.Block = { stmts: [] };
      fn.blocks.push(block);
      this.curr = block;
      this.planMergeChildren(ret, node);
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

  /** Merges the values of the rules below node into obj, level by level. */
  private planMergeChildren(obj: ir.Local, node: RuleNode): void {
    for (const [cname, child] of node.visibleChildren()) {
      if (child.outsideDocument()) continue;
      const block: ir.Block = { stmts: [] };
      const prev = this.curr;
      this.curr = block;
      if (child.rules.length > 0) {
        const cf = this.planRules(child);
        const l = this.newLocal();
        this.emit({ type: 'CallStmt', func: cf, args: [this.local(INPUT), this.local(DATA)], result: l });
        this.planMergeInto(obj, cname, l);
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
        this.planMergeChildren(lnested, child);
      }
      this.curr = prev;
      this.emit({ type: 'BlockStmt', blocks: [block] });
    }
  }

  /**
   * Adds a deeper rule's value under key in obj: inserted when absent; sets are unioned and
   * objects merged when both sides are; anything else must be equal (else a conflict error).
   */
  private planMergeInto(obj: ir.Local, key: string, val: ir.Local): void {
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
  private planObjectRuleHead(ret: ir.Local, keys: Term[], value: Term | null, loc: Location, setLeaf: boolean): void {
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

  private planObjectInserts(ret: ir.Local, keys: ir.Operand[], value: ir.Operand, setLeaf: boolean): void {
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

  private planFuncParams(params: ir.Local[], args: Term[], i: number, iter: Iter): void {
    const p = params[i];
    const a = args[i];
    if (p === undefined || a === undefined) return iter();
    this.planUnifyLocal(this.local(p), a, () => this.planFuncParams(params, args, i + 1, iter));
  }

  // ---------------------------------------------------------------------------------------------
  // Bodies and expressions

  private planQuery(body: Body, i: number, iter: Iter): void {
    const e = body[i];
    if (!e) return iter();
    const old = this.loc;
    this.loc = e.location;
    this.planExpr(e, () => {
      this.planQuery(body, i + 1, iter);
    });
    this.loc = old;
  }

  private planExpr(e: Expr, iter: Iter): void {
    if (e.negated) return this.planNot(e, iter);
    if (e.with.length > 0) return this.planWith(e, iter);
    if (isSomeExpr(e)) {
      if (e.terms.type === 'some') return this.planSomeDecl(e.terms, iter);
      return this.planSomeIn(e.terms, iter);
    }
    if (isEveryExpr(e)) return this.planEvery(e.terms, iter);
    if (isCallExpr(e)) return this.planExprCall(e.terms, iter);
    if (isTermExpr(e)) {
      return this.planTerm(e.terms, () => {
        this.emit({ type: 'NotEqualStmt', a: this.ltarget, b: { type: 'bool', value: false } });
        iter();
      });
    }
    fail(e.location, 'unsupported expression');
  }

  private planNot(e: Expr, iter: Iter): void {
    this.planNegation(() => {
      this.planExpr({ ...e, negated: false }, this.pendingSuccess());
    });
    iter();
  }

  /**
   * NotStmt around a body that may iterate: a scan statement always "completes", so success is
   * recorded in a flag set where the body's continuation runs, and tested at the block's end.
   */
  private planNegation(body: () => void): void {
    const lok = this.newLocal();
    const inner: ir.Block = { stmts: [] };
    const block: ir.Block = { stmts: [] };
    const prev = this.curr;
    this.curr = inner;
    this.vars.push();
    const saved = this.successFlag;
    this.successFlag = lok;
    body();
    this.successFlag = saved;
    this.vars.pop();
    this.curr = block;
    this.emit({ type: 'ResetLocalStmt', target: lok });
    this.emit({ type: 'BlockStmt', blocks: [inner] });
    this.emit({ type: 'IsDefinedStmt', source: lok });
    this.curr = prev;
    this.emit({ type: 'NotStmt', block });
  }

  private successFlag: ir.Local | undefined;

  /** The continuation of a negated body: record that it succeeded. */
  private pendingSuccess(): Iter {
    const lok = this.successFlag;
    return () => {
      if (lok !== undefined) this.emit({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lok });
    };
  }

  private planSomeDecl(d: SomeDecl, iter: Iter): void {
    for (const v of d.vars) this.vars.declare(v.value.name);
    iter();
  }

  private planSomeIn(s: SomeIn, iter: Iter): void {
    this.planTerm(s.domain, () => {
      const src = this.toLocal(this.ltarget);
      for (const t of [s.key, s.value]) if (t) this.declareVars(t);
      this.planScanWith(src, (lk, lv) => {
        const unifyValue = (): void => this.planUnifyLocal(this.local(lv), s.value, iter);
        if (s.key) this.planUnifyLocal(this.local(lk), s.key, unifyValue);
        else unifyValue();
      });
    });
  }

  private planEvery(ev: Every, iter: Iter): void {
    this.planTerm(ev.domain, () => {
      const src = this.toLocal(this.ltarget);
      // The domain must be a collection (OPA: every over 42 is undefined, not vacuously true).
      const lok = this.newLocal();
      this.emit({ type: 'ResetLocalStmt', target: lok });
      this.emit({
        type: 'BlockStmt',
        blocks: (['IsArrayStmt', 'IsObjectStmt', 'IsSetStmt'] as const).map((t) => ({
          stmts: [this.located({ type: t, source: this.local(src) }), this.located({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lok })],
        })),
      });
      this.emit({ type: 'IsDefinedStmt', source: lok });
      const lfail = this.newLocal();
      this.emit({ type: 'ResetLocalStmt', target: lfail });
      const outer: ir.Block = { stmts: [] };
      const prev = this.curr;
      this.curr = outer;
      this.vars.push();
      for (const t of [ev.key, ev.value]) if (t) this.declareVars(t);
      this.planScanWith(src, (lk, lv) => {
        const body = (): void => {
          this.planNegation(() => this.planQuery(ev.body, 0, this.pendingSuccess()));
          this.emit({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lfail });
        };
        const unifyValue = (): void => this.planUnifyLocal(this.local(lv), ev.value, body);
        if (ev.key) this.planUnifyLocal(this.local(lk), ev.key, unifyValue);
        else unifyValue();
      });
      this.vars.pop();
      this.curr = prev;
      this.emit({ type: 'BlockStmt', blocks: [outer] });
      this.emit({ type: 'IsUndefinedStmt', source: lfail });
      iter();
    });
  }

  private planWith(e: Expr, iter: Iter): void {
    const withs = e.with;
    // Mocks of functions/builtins vs. replacements of input/data documents.
    const docWiths: { w: With; head: 'input' | 'data'; path: string[] }[] = [];
    const mockWiths: { w: With; callee: Callee }[] = [];
    const mocks = new Map<string, Mock>();
    for (const w of withs) {
      const t = this.withTarget(w);
      if (t.kind === 'doc') {
        docWiths.push({ w, head: t.head, path: t.path });
        continue;
      }
      mockWiths.push({ w, callee: t.callee });
      let mock = this.mockFor(w);
      if (mock.kind === 'value' && !mock.ground) {
        // A value computed here (`with count as x`, x local) reaches the rules that call the
        // mocked function through the data document: it is stored under a reserved key for
        // the duration of the expression, and the mocked call reads it from there.
        const slot = [MOCK_DATA_KEY, t.callee.key];
        docWiths.push({ w, head: 'data', path: slot });
        const loc = w.location;
        mock = {
          kind: 'value',
          ground: true,
          site: this.site,
          term: {
            value: { type: 'ref', head: { value: { type: 'var', name: 'data' }, location: loc }, path: slot.map((s) => ({ value: { type: 'string', value: s }, location: loc })) },
            location: loc,
          },
        };
      }
      mocks.set(t.callee.key, mock);
    }
    this.planTermSlice(
      docWiths.map((d) => d.w.value),
      0,
      [],
      (values) => {
        // Save the documents that are replaced, to restore them for the rest of the body.
        const heads = [...new Set(docWiths.map((d) => d.head))].sort();
        const restore = heads.map((h) => {
          const lorig = h === 'input' ? INPUT : DATA;
          const lsave = this.newLocal();
          this.emit({ type: 'AssignVarStmt', source: this.local(lorig), target: lsave });
          return [lorig, lsave] as const;
        });
        // Rules under a replaced data path must not be called: hide them and re-plan.
        const hidden: RuleNode[] = [];
        for (const d of docWiths) {
          if (d.head !== 'data') continue;
          const n = lookupNode(this.root, d.path);
          if (n) hidden.push(n);
        }
        const mockFrame = new Map<string, Mock>();
        for (const m of mockWiths) {
          const mk = mocks.get(m.callee.key);
          if (mk) mockFrame.set(m.callee.key, mk);
        }
        const shadow = hidden.length > 0 || mockFrame.size > 0;
        const enter = (): void => {
          if (!shadow) return;
          this.funcCache.push({ gen: ++this.genCounter, map: new Map() });
          for (const n of hidden) n.hidden++;
          if (mockFrame.size > 0) this.mocks.push(mockFrame);
        };
        const leave = (): void => {
          if (!shadow) return;
          this.funcCache.pop();
          for (const n of hidden) n.hidden--;
          if (mockFrame.size > 0) this.mocks.pop();
        };
        enter();
        this.planWithRec(e, docWiths, values, 0, () => {
          leave();
          this.planWithUndo(restore, 0, iter);
          enter();
        });
        leave();
      },
    );
  }

  private planWithRec(
    e: Expr,
    withs: { w: With; head: 'input' | 'data'; path: string[] }[],
    values: ir.Operand[],
    i: number,
    iter: Iter,
  ): void {
    const w = withs[i];
    const v = values[i];
    if (!w || !v) return this.planExpr({ ...e, with: [] }, iter);
    const prev = this.curr;
    const block: ir.Block = { stmts: [] };
    this.curr = block;
    this.planWithRec(e, withs, values, i + 1, iter);
    this.curr = prev;
    this.emit({
      type: 'WithStmt',
      local: w.head === 'input' ? INPUT : DATA,
      path: w.path.map((s) => this.strIndex(s)),
      value: v,
      block,
    });
  }

  private planWithUndo(restore: (readonly [ir.Local, ir.Local])[], i: number, iter: Iter): void {
    const r = restore[i];
    if (!r) return iter();
    const prev = this.curr;
    const block: ir.Block = { stmts: [] };
    this.curr = block;
    this.planWithUndo(restore, i + 1, iter);
    this.curr = prev;
    this.emit({ type: 'WithStmt', local: r[0], path: [], value: this.local(r[1]), block });
  }

  private withTarget(
    w: With,
  ): { kind: 'doc'; head: 'input' | 'data'; path: string[] } | { kind: 'mock'; callee: Callee } {
    const t = w.target;
    let head: string | undefined;
    let path: Term[] = [];
    if (t.value.type === 'var') head = t.value.name;
    else if (t.value.type === 'ref' && t.value.head.value.type === 'var') {
      head = t.value.head.value.name;
      path = t.value.path;
    }
    if (head === undefined) fail(w.location, 'invalid with target');
    const strs = path.map((p) => (p.value.type === 'string' ? p.value.value : null));
    if (head === 'input' && !this.vars.knows('input')) {
      if (strs.some((s) => s === null)) fail(w.location, 'with target path must be constant');
      return { kind: 'doc', head: 'input', path: strs as string[] };
    }
    const callee = this.resolveCallee(t, w.location, true);
    if (callee) return { kind: 'mock', callee };
    const resolved = this.resolveDataRef(head, strs);
    if (resolved) return { kind: 'doc', head: 'data', path: resolved };
    fail(w.location, 'with target must be input, data, or a function');
  }

  /** Absolute data path of a name written in this module (`data.x.y`, an import, a package rule). */
  private resolveDataRef(head: string, strs: (string | null)[]): string[] | undefined {
    if (strs.some((s) => s === null)) return undefined;
    const rest = strs as string[];
    if (head === 'data') return rest;
    const imp = this.ctx.imports.get(head);
    if (imp && imp.value.head.value.type === 'var' && imp.value.head.value.name === 'data') {
      const ip = imp.value.path.map((p) => (p.value.type === 'string' ? p.value.value : ''));
      return [...ip, ...rest];
    }
    if (!this.vars.knows(head) && lookupNode(this.root, [...this.ctx.pkg, head])) return [...this.ctx.pkg, head, ...rest];
    return undefined;
  }

  private mockFor(w: With): Mock {
    const v = w.value;
    const asCallee = v.value.type === 'var' || v.value.type === 'ref' ? this.resolveCallee(v, w.location, true) : undefined;
    if (asCallee) return { kind: 'func', target: asCallee, cacheDepth: this.funcCache.length, mockDepth: this.mocks.length };
    return { kind: 'value', term: v, ground: this.isPortable(v), site: this.site };
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  private planExprCall(terms: Term[], iter: Iter): void {
    const [op, ...args] = terms;
    if (!op) fail(this.loc, 'empty call');
    const name = operatorName(op);
    const a0 = args[0];
    const a1 = args[1];
    switch (name) {
      case 'eq':
        if (!a0 || !a1) fail(op.location, 'eq needs two operands');
        return this.planUnify(a0, a1, iter);
      case 'assign':
        if (!a0 || !a1) fail(op.location, 'assign needs two operands');
        this.declareVars(a0);
        return this.planUnify(a0, a1, iter);
      case 'equal':
      case 'neq':
        if (args.length === 2 && a0 && a1 && !this.isMocked(name)) {
          return this.planTermsBindingFirst([a0, a1], ([la, lb]) => {
            if (!la || !lb) return;
            this.emit({ type: name === 'equal' ? 'EqualStmt' : 'NotEqualStmt', a: la, b: lb });
            iter();
          });
        }
        break;
      case 'print':
      case 'internal.print':
      case 'trace':
        // Debugging output with no effect on results: kept only when output is wanted.
        if (!this.print || name === 'print') return iter();
        break;
    }
    this.planCall(op, args, 'expr', iter);
  }

  /**
   * Plans a call. mode 'expr': the call is an expression (an extra operand captures the output;
   * otherwise the result must be defined and not false). mode 'term': the result becomes ltarget.
   */
  private planCall(op: Term, args: Term[], mode: 'expr' | 'term', iter: Iter): void {
    const name = operatorName(op) ?? '';
    if ((name === 'internal.member_2' || name === 'internal.member_3') && !this.isMocked(name)) {
      const n = name === 'internal.member_2' ? 2 : 3;
      if (args.length === n) {
        return this.planMember(args, () => {
          if (mode === 'expr') this.emit({ type: 'NotEqualStmt', a: this.ltarget, b: { type: 'bool', value: false } });
          iter();
        });
      }
    }
    if ((name === 'equal' || name === 'neq') && args.length === 2 && mode === 'term' && !this.isMocked(name)) {
      const [a0, a1] = args as [Term, Term];
      return this.planTerm(a0, () => {
        const la = this.ltarget;
        this.planTerm(a1, () => {
          const lr = this.newLocal();
          this.emit({ type: 'AssignVarStmt', source: { type: 'bool', value: false }, target: lr });
          this.emit({
            type: 'BlockStmt',
            blocks: [
              {
                stmts: [
                  this.located({ type: name === 'equal' ? 'EqualStmt' : 'NotEqualStmt', a: la, b: this.ltarget }),
                  this.located({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lr }),
                ],
              },
            ],
          });
          this.ltarget = this.local(lr);
          iter();
        });
      });
    }

    let callee = this.resolveCallee(op, op.location, false);
    if (!callee) fail(op.location, `undefined function ${name}`);
    const mock = this.lookupMock(callee.key);
    if (mock?.kind === 'value') {
      return this.planMockValue(mock, args, callee, mode, iter);
    }
    let outside: (Mock & { kind: 'func' }) | undefined;
    if (mock?.kind === 'func') {
      callee = mock.target;
      outside = mock;
    }

    let fname: string;
    let arity: number;
    let pre: ir.Operand[] = [];
    let relation = false;
    if (callee.kind === 'func') {
      const node = callee.node;
      // A replacement function is planned as written: the mock does not apply inside it.
      fname = outside ? this.planOutsideMocks(outside, () => this.planRules(node)) : this.planRules(node);
      arity = callee.node.arity();
      pre = [this.local(INPUT), this.local(DATA)];
    } else {
      fname = callee.name;
      arity = builtinArity(callee.name) ?? args.length;
      relation = RELATION_BUILTINS.has(callee.name);
      this.builtins.set(callee.name, arity);
    }
    const orig = this.resolveCallee(op, op.location, false);
    if (orig && orig.kind === 'func' && callee !== orig) arity = orig.node.arity();

    if (args.length < arity || args.length > arity + 1) {
      fail(op.location, `${name}: wrong number of arguments: got ${args.length}, want ${arity}`);
    }
    const inputs = args.slice(0, arity);
    const output = args.length > arity ? args[arity] : undefined;
    this.planTermsBindingFirst(inputs, (vals) => {
      const result = this.newLocal();
      this.emit({ type: 'CallStmt', func: fname, args: [...pre, ...vals], result });
      if (relation) {
        if (output) return this.planScanValuesOf(result, output, iter);
        if (mode === 'expr') {
          const n = this.newLocal();
          this.emit({ type: 'LenStmt', source: this.local(result), target: n });
          const z = this.newLocal();
          this.emit({ type: 'MakeNumberIntStmt', value: 0, target: z });
          this.emit({ type: 'NotEqualStmt', a: this.local(n), b: this.local(z) });
        }
        this.ltarget = this.local(result);
        return iter();
      }
      if (output) return this.planUnifyLocal(this.local(result), output, iter);
      this.ltarget = this.local(result);
      if (mode === 'expr') this.emit({ type: 'NotEqualStmt', a: this.ltarget, b: { type: 'bool', value: false } });
      iter();
    });
  }

  private planMockValue(mock: Mock & { kind: 'value' }, args: Term[], callee: Callee, mode: 'expr' | 'term', iter: Iter): void {
    if (!mock.ground && mock.site !== this.site) fail(this.loc, 'with: a non-constant replacement value can only be used directly in the with expression');
    const arity = callee.kind === 'func' ? callee.node.arity() : (builtinArity(callee.name) ?? args.length);
    const output = args.length > arity ? args[arity] : undefined;
    this.planTermSlice(args.slice(0, arity), 0, [], () => {
      this.planTerm(mock.term, () => {
        if (output) return this.planUnifyLocal(this.ltarget, output, iter);
        if (mode === 'expr') this.emit({ type: 'NotEqualStmt', a: this.ltarget, b: { type: 'bool', value: false } });
        iter();
      });
    });
  }

  /** Plans a replacement function as written: no `with` replacement applies inside it (OPA). */
  private planOutsideMocks<T>(_m: { cacheDepth: number; mockDepth: number }, f: () => T): T {
    if (this.mocks.length === 0) return f();
    const mocks = this.mocks.splice(0);
    this.funcCache.push({ gen: ++this.genCounter, map: new Map() });
    try {
      return f();
    } finally {
      this.funcCache.pop();
      this.mocks.push(...mocks);
    }
  }

  private isMocked(name: string): boolean {
    return this.lookupMock(name) !== undefined;
  }

  private lookupMock(key: string): Mock | undefined {
    for (let i = this.mocks.length - 1; i >= 0; i--) {
      const m = this.mocks[i]?.get(key);
      if (m) return m;
    }
    return undefined;
  }

  /** Resolves a call operator (or with target) to a user function or a builtin. */
  private resolveCallee(op: Term, loc: Location, quiet: boolean): Callee | undefined {
    let head: string | undefined;
    let path: Term[] = [];
    if (op.value.type === 'var') head = op.value.name;
    else if (op.value.type === 'ref' && op.value.head.value.type === 'var') {
      head = op.value.head.value.name;
      path = op.value.path;
    }
    if (head === undefined) {
      if (quiet) return undefined;
      fail(loc, 'invalid function reference');
    }
    const strs = path.map((p) => (p.value.type === 'string' ? p.value.value : null));
    const dataPath = this.resolveDataRef(head, strs);
    if (dataPath) {
      const node = lookupNode(this.root, dataPath);
      if (node && node.isFunction()) return { kind: 'func', node, key: `data.${dataPath.join('.')}` };
      if (head === 'data' || quiet) return undefined;
    }
    const dotted = [head, ...strs].join('.');
    if (strs.every((s) => s !== null) && builtinArity(dotted) !== undefined) return { kind: 'builtin', name: dotted, key: dotted };
    return undefined;
  }

  /** `x in xs` / `k, x in xs` as a boolean. */
  private planMember(args: Term[], iter: Iter): void {
    const coll = args[args.length - 1];
    if (!coll) fail(this.loc, 'membership needs a collection');
    const parts = args.slice(0, -1);
    this.planTermSlice(parts, 0, [], (vals) => {
      this.planTerm(coll, () => {
        const src = this.toLocal(this.ltarget);
        const lr = this.newLocal();
        this.emit({ type: 'AssignVarStmt', source: { type: 'bool', value: false }, target: lr });
        const scanBlock: ir.Block = { stmts: [] };
        const lk = this.newLocal();
        const lv = this.newLocal();
        if (vals.length === 2 && vals[0]) scanBlock.stmts.push(this.located({ type: 'EqualStmt', a: this.local(lk), b: vals[0] }));
        const v = vals[vals.length - 1];
        if (v) scanBlock.stmts.push(this.located({ type: 'EqualStmt', a: this.local(lv), b: v }));
        scanBlock.stmts.push(this.located({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lr }));
        this.emit({ type: 'ScanStmt', source: src, key: lk, value: lv, block: scanBlock });
        this.ltarget = this.local(lr);
        iter();
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Unification

  private planUnify(a: Term, b: Term, iter: Iter): void {
    const va = a.value;
    const vb = b.value;
    if (va.type === 'var' && this.lookupVar(va.name).kind !== 'ref') return this.planUnifyVar(va.name, b, iter);
    if (va.type === 'array') {
      if (vb.type === 'var' && this.lookupVar(vb.name).kind !== 'ref') return this.planUnifyVar(vb.name, a, iter);
      if (vb.type === 'array') {
        if (va.items.length !== vb.items.length) return this.emitFalse(iter);
        return this.planUnifyArrays(va.items, vb.items, 0, iter);
      }
      return this.planTerm(b, () => this.planUnifyLocal(this.ltarget, a, iter));
    }
    if (va.type === 'object') {
      if (vb.type === 'var' && this.lookupVar(vb.name).kind !== 'ref') return this.planUnifyVar(vb.name, a, iter);
      if (vb.type === 'object' && !this.isGround(a) && !this.isGround(b)) return this.planUnifyObjects(a, b, iter);
      if (vb.type === 'object' && this.isGround(a)) return this.planTerm(a, () => this.planUnifyLocal(this.ltarget, b, iter));
      return this.planTerm(b, () => this.planUnifyLocal(this.ltarget, a, iter));
    }
    if (vb.type === 'var' || vb.type === 'array' || vb.type === 'object') {
      return this.planTerm(a, () => this.planUnifyLocal(this.ltarget, b, iter));
    }
    return this.planTerm(a, () => this.planUnifyLocal(this.ltarget, b, iter));
  }

  /** A statement that is always undefined: the rest of the body never runs. */
  private emitFalse(iter: Iter): void {
    this.emit({ type: 'EqualStmt', a: { type: 'bool', value: true }, b: { type: 'bool', value: false } });
    iter();
  }

  private planUnifyVar(name: string, b: Term, iter: Iter): void {
    const l = this.vars.get(name);
    if (l !== undefined) return this.planUnifyLocal(this.local(l), b, iter);
    if (b.value.type === 'var') {
      const lb = this.lookupVar(b.value.name);
      if (lb.kind === 'unbound') fail(b.location, `var ${name} and ${b.value.name} are both unsafe`);
    }
    this.planTerm(b, () => {
      const target = this.newLocal();
      this.vars.put(name, target);
      this.emit({ type: 'AssignVarStmt', source: this.ltarget, target });
      iter();
    });
  }

  private planUnifyLocal(a: ir.Operand, b: Term, iter: Iter): void {
    const vb = b.value;
    if (vb.type === 'var') {
      const lv = this.lookupVar(vb.name);
      if (lv.kind === 'local') {
        this.emit({ type: 'EqualStmt', a, b: this.local(lv.local) });
        return iter();
      }
      if (lv.kind === 'unbound') {
        const t = this.newLocal();
        this.vars.put(vb.name, t);
        this.emit({ type: 'AssignVarStmt', source: a, target: t });
        return iter();
      }
    }
    if (vb.type === 'array' && !this.isGround(b)) return this.planUnifyLocalArray(a, vb.items, iter);
    if (vb.type === 'object' && !this.isGround(b)) return this.planUnifyLocalObject(a, vb.items, iter);
    this.planTerm(b, () => {
      this.emit({ type: 'EqualStmt', a, b: this.ltarget });
      iter();
    });
  }

  private planUnifyLocalArray(a: ir.Operand, items: Term[], iter: Iter): void {
    this.emit({ type: 'IsArrayStmt', source: a });
    const alen = this.newLocal();
    const blen = this.newLocal();
    this.emit({ type: 'LenStmt', source: a, target: alen });
    this.emit({ type: 'MakeNumberIntStmt', value: items.length, target: blen });
    this.emit({ type: 'EqualStmt', a: this.local(alen), b: this.local(blen) });
    const rec = (i: number): void => {
      const item = items[i];
      if (!item) return iter();
      const lk = this.newLocal();
      const lv = this.newLocal();
      this.emit({ type: 'MakeNumberIntStmt', value: i, target: lk });
      this.emit({ type: 'DotStmt', source: a, key: this.local(lk), target: lv });
      this.planUnifyLocal(this.local(lv), item, () => rec(i + 1));
    };
    rec(0);
  }

  private planUnifyLocalObject(a: ir.Operand, items: [Term, Term][], iter: Iter): void {
    this.emit({ type: 'IsObjectStmt', source: a });
    const alen = this.newLocal();
    const blen = this.newLocal();
    this.emit({ type: 'LenStmt', source: a, target: alen });
    this.emit({ type: 'MakeNumberIntStmt', value: items.length, target: blen });
    this.emit({ type: 'EqualStmt', a: this.local(alen), b: this.local(blen) });
    const rec = (i: number): void => {
      const item = items[i];
      if (!item) return iter();
      this.planTerm(item[0], () => {
        const lv = this.newLocal();
        this.emit({ type: 'DotStmt', source: a, key: this.ltarget, target: lv });
        this.planUnifyLocal(this.local(lv), item[1], () => rec(i + 1));
      });
    };
    rec(0);
  }

  private planUnifyArrays(a: Term[], b: Term[], i: number, iter: Iter): void {
    const x = a[i];
    const y = b[i];
    if (!x || !y) return iter();
    this.planUnify(x, y, () => this.planUnifyArrays(a, b, i + 1, iter));
  }

  private planUnifyObjects(a: Term, b: Term, iter: Iter): void {
    if (a.value.type !== 'object' || b.value.type !== 'object') return iter();
    const ai = a.value.items;
    const bi = b.value.items;
    if (ai.length !== bi.length) return this.emitFalse(iter);
    const keyOf = (t: Term): string => JSON.stringify(t.value, (k, v: unknown) => (k === 'location' ? undefined : v));
    const bmap = new Map(bi.map(([k, v]) => [keyOf(k), v] as const));
    const pairs: [Term, Term][] = [];
    for (const [k, v] of ai) {
      const other = bmap.get(keyOf(k));
      if (!other) return this.emitFalse(iter);
      pairs.push([v, other]);
    }
    const rec = (i: number): void => {
      const p = pairs[i];
      if (!p) return iter();
      this.planUnify(p[0], p[1], () => rec(i + 1));
    };
    rec(0);
  }

  // ---------------------------------------------------------------------------------------------
  // Terms

  private planTerm(t: Term, iter: Iter): void {
    const v = t.value;
    switch (v.type) {
      case 'null': {
        const l = this.newLocal();
        this.emit({ type: 'MakeNullStmt', target: l });
        this.ltarget = this.local(l);
        return iter();
      }
      case 'boolean':
        this.ltarget = { type: 'bool', value: v.value };
        return iter();
      case 'number': {
        const l = this.newLocal();
        if (/^-?\d{1,9}$/.test(v.text)) this.emit({ type: 'MakeNumberIntStmt', value: Number(v.text), target: l });
        else this.emit({ type: 'MakeNumberRefStmt', index: this.strIndex(v.text), target: l });
        this.ltarget = this.local(l);
        return iter();
      }
      case 'string':
        this.ltarget = this.str(v.value);
        return iter();
      case 'var':
        return this.planVar(v.name, t, iter);
      case 'ref':
        return this.planRef(t as Term<RefValue>, iter);
      case 'array': {
        const l = this.newLocal();
        this.emit({ type: 'MakeArrayStmt', capacity: v.items.length, target: l });
        const rec = (i: number): void => {
          const item = v.items[i];
          if (!item) {
            this.ltarget = this.local(l);
            return iter();
          }
          this.planTerm(item, () => {
            this.emit({ type: 'ArrayAppendStmt', value: this.ltarget, array: l });
            rec(i + 1);
          });
        };
        return rec(0);
      }
      case 'set': {
        const l = this.newLocal();
        this.emit({ type: 'MakeSetStmt', target: l });
        const rec = (i: number): void => {
          const item = v.items[i];
          if (!item) {
            this.ltarget = this.local(l);
            return iter();
          }
          this.planTerm(item, () => {
            this.emit({ type: 'SetAddStmt', value: this.ltarget, set: l });
            rec(i + 1);
          });
        };
        return rec(0);
      }
      case 'object': {
        const l = this.newLocal();
        this.emit({ type: 'MakeObjectStmt', target: l });
        const rec = (i: number): void => {
          const item = v.items[i];
          if (!item) {
            this.ltarget = this.local(l);
            return iter();
          }
          this.planTerm(item[0], () => {
            const k = this.ltarget;
            this.planTerm(item[1], () => {
              this.emit({ type: 'ObjectInsertStmt', key: k, value: this.ltarget, object: l });
              rec(i + 1);
            });
          });
        };
        return rec(0);
      }
      case 'arraycomprehension': {
        const l = this.newLocal();
        this.emit({ type: 'MakeArrayStmt', capacity: 0, target: l });
        return this.planComprehension(v.body, () => {
          this.planTerm(v.term, () => this.emit({ type: 'ArrayAppendStmt', value: this.ltarget, array: l }));
        }, l, iter);
      }
      case 'setcomprehension': {
        const l = this.newLocal();
        this.emit({ type: 'MakeSetStmt', target: l });
        return this.planComprehension(v.body, () => {
          this.planTerm(v.term, () => this.emit({ type: 'SetAddStmt', value: this.ltarget, set: l }));
        }, l, iter);
      }
      case 'objectcomprehension': {
        const l = this.newLocal();
        this.emit({ type: 'MakeObjectStmt', target: l });
        return this.planComprehension(v.body, () => {
          this.planTerm(v.key, () => {
            const k = this.ltarget;
            this.planTerm(v.value, () => this.emit({ type: 'ObjectInsertOnceStmt', key: k, value: this.ltarget, object: l }));
          });
        }, l, iter);
      }
      case 'call':
        return this.planCall(v.operator, v.args, 'term', iter);
    }
  }

  private planComprehension(body: Body, closure: Iter, target: ir.Local, iter: Iter): void {
    this.vars.push();
    const prev = this.curr;
    const block: ir.Block = { stmts: [] };
    this.curr = block;
    const ploc = this.loc;
    this.planQuery(body, 0, closure);
    this.curr = prev;
    this.loc = ploc;
    this.vars.pop();
    this.emit({ type: 'BlockStmt', blocks: [block] });
    this.ltarget = this.local(target);
    iter();
  }

  private planVar(name: string, t: Term, iter: Iter): void {
    const r = this.lookupVar(name);
    if (r.kind === 'local') {
      if (r.local === INPUT) this.emit({ type: 'IsDefinedStmt', source: INPUT });
      this.ltarget = this.local(r.local);
      return iter();
    }
    if (r.kind === 'ref') return this.planRef({ value: r.ref, location: t.location }, iter);
    // An unbound variable in a value position: a fresh, undefined local (the checks reject
    // unsafe variables, so this only happens for outputs planned elsewhere).
    const l = this.newLocal();
    this.vars.put(name, l);
    this.ltarget = this.local(l);
    iter();
  }

  /** A variable name: a local, a reference to a document (input, data, import, rule), or unbound. */
  private lookupVar(name: string): { kind: 'local'; local: ir.Local } | { kind: 'ref'; ref: RefValue } | { kind: 'unbound' } {
    const l = this.vars.get(name);
    if (l !== undefined) return { kind: 'local', local: l };
    if (this.vars.knows(name)) return { kind: 'unbound' };
    const loc = this.loc ?? { file: '', row: 0, col: 0 };
    if (name === 'input') return { kind: 'local', local: INPUT };
    if (name === 'data') return { kind: 'ref', ref: { type: 'ref', head: { value: { type: 'var', name: 'data' }, location: loc }, path: [] } };
    const imp = this.ctx.imports.get(name);
    if (imp) return { kind: 'ref', ref: imp.value };
    if (this.ctx.pkg.length > 0 && lookupNode(this.root, [...this.ctx.pkg, name])) {
      return {
        kind: 'ref',
        ref: {
          type: 'ref',
          head: { value: { type: 'var', name: 'data' }, location: loc },
          path: [...this.ctx.pkg, name].map((s) => ({ value: { type: 'string', value: s }, location: loc })),
        },
      };
    }
    return { kind: 'unbound' };
  }

  private planRef(t: Term<RefValue>, iter: Iter): void {
    const ref = t.value;
    const head = ref.head;
    if (head.value.type === 'var') {
      const name = head.value.name;
      const r = this.lookupVar(name);
      if (r.kind === 'local') {
        if (r.local === INPUT && ref.path.length === 0) this.emit({ type: 'IsDefinedStmt', source: INPUT });
        this.ltarget = this.local(r.local);
        return this.planRefRec(ref.path, 0, iter);
      }
      if (r.kind === 'ref') {
        const inner = r.ref;
        if (inner.head.value.type === 'var' && inner.head.value.name === 'data') {
          return this.planRefData(this.root, { local: DATA, path: [] }, [...inner.path, ...ref.path], 0, iter);
        }
        return this.planRef({ value: { type: 'ref', head: inner.head, path: [...inner.path, ...ref.path] }, location: t.location }, iter);
      }
      fail(head.location, `var ${name} is unsafe`);
    }
    this.planTerm(head, () => this.planRefRec(ref.path, 0, iter));
  }

  /** dataKeys: the path walks the base data document, where `data.x[2]` may mean key "2". */
  private planRefRec(path: Term[], i: number, iter: Iter, dataKeys = false): void {
    const key = path[i];
    if (!key) return iter();
    const next = (): void => this.planRefRec(path, i + 1, iter, dataKeys);
    if (dataKeys && key.value.type === 'number') return this.planDataNumberDot(key.value.text, next);
    if (this.isKnown(key)) return this.planDot(key, next);
    this.planScan(key, () => next());
  }

  /** A number key into base data: an array index, or else the object key spelled as text. */
  private planDataNumberDot(text: string, iter: Iter): void {
    const source = this.ltarget;
    const t = this.newLocal();
    const n = this.newLocal();
    this.emit({ type: 'ResetLocalStmt', target: t });
    this.emit({
      type: 'BlockStmt',
      blocks: [
        {
          stmts: [
            this.located(/^-?\d{1,9}$/.test(text) ? { type: 'MakeNumberIntStmt', value: Number(text), target: n } : { type: 'MakeNumberRefStmt', index: this.strIndex(text), target: n }),
            this.located({ type: 'DotStmt', source, key: this.local(n), target: t }),
          ],
        },
      ],
    });
    this.emit({
      type: 'BlockStmt',
      blocks: [{ stmts: [this.located({ type: 'IsUndefinedStmt', source: t }), this.located({ type: 'DotStmt', source, key: this.str(text), target: t })] }],
    });
    this.emit({ type: 'IsDefinedStmt', source: t });
    this.ltarget = this.local(t);
    iter();
  }

  private planDot(key: Term, iter: Iter): void {
    const source = this.ltarget;
    this.planTerm(key, () => {
      const target = this.newLocal();
      this.emit({ type: 'DotStmt', source, key: this.ltarget, target });
      this.ltarget = this.local(target);
      iter();
    });
  }

  private planScan(key: Term, iter: (lk: ir.Local) => void): void {
    const src = this.toLocal(this.ltarget);
    this.planScanWith(src, (lk, lv) => {
      this.planUnifyLocal(this.local(lk), key, () => {
        this.ltarget = this.local(lv);
        iter(lk);
      });
    });
  }

  /** Scans src, planning `body(key, value)` inside the scan block. */
  private planScanWith(src: ir.Local, body: (lk: ir.Local, lv: ir.Local) => void): void {
    const lk = this.newLocal();
    const lv = this.newLocal();
    const block: ir.Block = { stmts: [] };
    const prev = this.curr;
    this.curr = block;
    body(lk, lv);
    this.curr = prev;
    this.emit({ type: 'ScanStmt', source: src, key: lk, value: lv, block });
  }

  private planScanValuesOf(coll: ir.Local, value: Term, iter: Iter): void {
    this.planScanWith(coll, (_lk, lv) => this.planUnifyLocal(this.local(lv), value, iter));
  }

  /**
   * The virtual document model: a ref into data walks the rule tree while its keys are
   * constant; rules found on the way are called, subtrees are materialised (merged with the
   * base document), and variable keys enumerate both rule children and base keys.
   */
  private planRefData(node: RuleNode | undefined, base: { local: ir.Local; path: Term[] }, ref: Term[], i: number, iter: Iter): void {
    if (!node) {
      this.ltarget = this.local(base.local);
      return this.planRefRec([...base.path, ...ref.slice(i)], 0, iter, true);
    }
    if (i >= ref.length) return this.planRefDataExtent(node, base, iter);
    const key = ref[i];
    if (!key) return iter();
    if (key.value.type === 'string' || (this.isGround(key) && key.value.type !== 'ref' && key.value.type !== 'call')) {
      const child = key.value.type === 'string' ? node.child(key.value.value) : undefined;
      if (child && child.rules.length > 0) {
        if (child.isFunction()) return this.emitFalse(iter);
        const fname = this.planRules(child);
        const l = this.newLocal();
        this.emit({ type: 'CallStmt', func: fname, args: [this.local(INPUT), this.local(DATA)], result: l });
        this.ltarget = this.local(l);
        return this.planRefRec(ref, i + 1, iter);
      }
      return this.planRefData(child, { local: base.local, path: [...base.path, key] }, ref, i + 1, iter);
    }

    const children = node.visibleChildren().filter(([, c]) => !c.outsideDocument());
    if (children.length === 0) {
      this.ltarget = this.local(base.local);
      return this.planRefRec([...base.path, ...ref.slice(i)], 0, iter, true);
    }
    // Rule children, one block each (the key unifies with the child's name).
    const stmt: ir.Stmt & { type: 'BlockStmt' } = { type: 'BlockStmt', blocks: [] };
    for (const [name] of children) {
      const block: ir.Block = { stmts: [] };
      const prev = this.curr;
      this.curr = block;
      this.vars.push();
      const keyTerm: Term = { value: { type: 'string', value: name }, location: key.location };
      this.planUnifyLocal(this.str(name), key, () => {
        const cpy = [...ref];
        cpy[i] = keyTerm;
        this.planRefData(node, base, cpy, i, iter);
      });
      this.vars.pop();
      this.curr = prev;
      stmt.blocks.push(block);
    }
    this.emit(stmt);
    // Base document keys not shadowed by a rule child.
    const lexclude = this.newLocal();
    this.emit({ type: 'MakeSetStmt', target: lexclude });
    for (const [name] of children) this.emit({ type: 'SetAddStmt', value: this.str(name), set: lexclude });
    this.ltarget = this.local(base.local);
    this.planRefRec(base.path, 0, () => {
      this.planScan(key, (lkey) => {
        const src = this.toLocal(this.ltarget);
        const lign = this.newLocal();
        this.emit({ type: 'NotStmt', block: this.blockWith({ type: 'DotStmt', source: this.local(lexclude), key: this.local(lkey), target: lign }) });
        this.planRefData(undefined, { local: src, path: [] }, ref, i + 1, iter);
      });
    });
  }

  private planRefDataExtent(node: RuleNode, base: { local: ir.Local; path: Term[] } | null, iter: Iter): void {
    const vtarget = this.newLocal();
    this.emit({ type: 'MakeObjectStmt', target: vtarget });
    for (const [name, child] of node.visibleChildren()) {
      if (child.outsideDocument()) continue;
      if (child.rules.length === 0) {
        this.planRefDataExtent(child, null, () => {
          this.emit({ type: 'ObjectInsertStmt', key: this.str(name), value: this.ltarget, object: vtarget });
        });
        continue;
      }
      const fname = this.planRules(child);
      const lv = this.newLocal();
      this.emit({
        type: 'BlockStmt',
        blocks: [
          {
            stmts: [
              this.located({ type: 'CallStmt', func: fname, args: [this.local(INPUT), this.local(DATA)], result: lv }),
              this.located({ type: 'ObjectInsertStmt', key: this.str(name), value: this.local(lv), object: vtarget }),
            ],
          },
        ],
      });
    }
    if (!base) {
      this.ltarget = this.local(vtarget);
      return iter();
    }
    // Merge with the base document at the same path when it exists.
    const target = this.newLocal();
    const prev = this.curr;
    const inner: ir.Block = { stmts: [] };
    this.curr = inner;
    this.ltarget = this.local(base.local);
    this.planRefRec(
      base.path,
      0,
      () => {
        const lb = this.toLocal(this.ltarget);
        this.emit({ type: 'ObjectMergeStmt', a: lb, b: vtarget, target });
        this.emit({ type: 'BreakStmt', index: 1 });
      },
      true,
    );
    const outer: ir.Block = { stmts: [] };
    this.curr = outer;
    this.emit({ type: 'BlockStmt', blocks: [inner] });
    this.emit({ type: 'AssignVarStmt', source: this.local(vtarget), target });
    this.curr = prev;
    this.emit({ type: 'BlockStmt', blocks: [outer] });
    this.ltarget = this.local(target);
    iter();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private planTermSlice(terms: Term[], i: number, acc: ir.Operand[], iter: (vals: ir.Operand[]) => void): void {
    const t = terms[i];
    if (!t) return iter(acc);
    this.planTerm(t, () => this.planTermSlice(terms, i + 1, [...acc, this.ltarget], iter));
  }

  /**
   * Plans call arguments, those that bind variables (refs iterating with unbound keys) first,
   * so `x == input.xs[x]` binds x before it is read; values come back in argument order.
   */
  private planTermsBindingFirst(terms: Term[], iter: (vals: ir.Operand[]) => void): void {
    const order = terms.map((t, i) => ({ t, i }));
    const binding = order.filter(({ t }) => !this.isKnown(t) && t.value.type === 'ref');
    if (binding.length === 0) return this.planTermSlice(terms, 0, [], iter);
    const rest = order.filter((x) => !binding.includes(x));
    const sorted = [...binding, ...rest];
    this.planTermSlice(sorted.map((x) => x.t), 0, [], (vals) => {
      const out: ir.Operand[] = new Array<ir.Operand>(terms.length);
      sorted.forEach((x, j) => {
        const v = vals[j];
        if (v) out[x.i] = v;
      });
      iter(out);
    });
  }

  /** Declares the variables of an assignment / some-in pattern as new locals of this scope. */
  private declareVars(t: Term): void {
    const v = t.value;
    switch (v.type) {
      case 'var':
        this.vars.declare(v.name);
        return;
      case 'array':
      case 'set':
        v.items.forEach((x) => this.declareVars(x));
        return;
      case 'object':
        v.items.forEach(([, x]) => this.declareVars(x));
        return;
      default:
        return;
    }
  }

  /** True if every variable in t is bound (or names a document), i.e. t has a value now. */
  private isKnown(t: Term): boolean {
    const v = t.value;
    switch (v.type) {
      case 'var':
        return this.lookupVar(v.name).kind !== 'unbound';
      case 'ref':
        return this.isKnown(v.head) && v.path.every((p) => this.isKnown(p));
      case 'array':
      case 'set':
        return v.items.every((x) => this.isKnown(x));
      case 'object':
        return v.items.every(([k, x]) => this.isKnown(k) && this.isKnown(x));
      case 'call':
        return v.args.every((x) => this.isKnown(x));
      default:
        return true;
    }
  }

  /** True if t uses no local variable, so it means the same wherever it is planned. */
  private isPortable(t: Term): boolean {
    const v = t.value;
    switch (v.type) {
      case 'var':
        return this.vars.get(v.name) === undefined && !this.vars.knows(v.name);
      case 'ref':
        return this.isPortable(v.head) && v.path.every((p) => this.isPortable(p));
      case 'array':
      case 'set':
        return v.items.every((x) => this.isPortable(x));
      case 'object':
        return v.items.every(([k, x]) => this.isPortable(k) && this.isPortable(x));
      case 'call':
        return v.args.every((x) => this.isPortable(x));
      case 'arraycomprehension':
      case 'setcomprehension':
      case 'objectcomprehension':
        return !JSON.stringify(v).match(/"type":"var","name":"([^"]+)"/g)?.some((m) => {
          const name = /"name":"([^"]+)"/.exec(m)?.[1] ?? '';
          return this.vars.get(name) !== undefined;
        });
      default:
        return true;
    }
  }

  /** True if t contains no variables or refs (a constant). */
  private isGround(t: Term): boolean {
    const v = t.value;
    switch (v.type) {
      case 'var':
      case 'ref':
      case 'call':
      case 'arraycomprehension':
      case 'setcomprehension':
      case 'objectcomprehension':
        return false;
      case 'array':
      case 'set':
        return v.items.every((x) => this.isGround(x));
      case 'object':
        return v.items.every(([k, x]) => this.isGround(k) && this.isGround(x));
      default:
        return true;
    }
  }

  private toLocal(op: ir.Operand): ir.Local {
    if (op.type === 'local') return op.value;
    const l = this.newLocal();
    this.emit({ type: 'AssignVarStmt', source: op, target: l });
    return l;
  }

  private newLocal(): ir.Local {
    return this.lnext++;
  }

  private local(l: ir.Local): ir.Operand {
    return { type: 'local', value: l };
  }

  private str(s: string): ir.Operand {
    return { type: 'string_index', value: this.strIndex(s) };
  }

  private strIndex(s: string): number {
    let i = this.stringIdx.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIdx.set(s, i);
    }
    return i;
  }

  private located(s: ir.Stmt): ir.LocatedStmt {
    if (!this.loc) return s;
    if (!this.files.includes(this.loc.file)) this.files.push(this.loc.file);
    return { ...s, location: { file: this.loc.file, row: this.loc.row, col: this.loc.col } };
  }

  private emit(s: ir.Stmt): void {
    this.curr.stmts.push(this.located(s));
  }

  private blockWith(s: ir.Stmt): ir.Block {
    return { stmts: [this.located(s)] };
  }
}

export { ruleKind };
