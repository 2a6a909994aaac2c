// The planner's state and the helpers every planning stage uses: locals, strings, emitting
// statements at the current location, and what a variable name means here. The stages build
// on it: terms.ts (terms, refs, unification) ← exprs.ts (bodies, calls, with, every) ← planner.ts
// (rules, entrypoints, queries). See planner.ts for the planning model.

import type {
  Body,
  Location,
  Module,
  RefValue,
  Term,
} from '../ast.ts';
import { diagnostic, DiagnosticError } from '../diagnostics.ts';
import * as ir from '../ir/types.ts';
import { buildRuleTree, lookupNode, packagePath, type RuleNode } from './ruletree.ts';
import { Scope } from './scope.ts';

export type Iter = () => void;

/** Resolution context of the module whose rule is being planned (package and imports). */
export interface ModuleCtx {
  pkg: string[];
  /** Import alias → the imported ref (`data.a.b`, `input.x`). */
  imports: Map<string, Term<RefValue>>;
}

/** What `with f as v` replaced a function or builtin by. */
export type Mock =
  /** depths: the function-cache and mock stacks as they were before this `with`. */
  | { kind: 'func'; target: Callee; cacheDepth: number; mockDepth: number }
  | { kind: 'value'; term: Term; ground: boolean; site: number };

export type Callee = { kind: 'func'; node: RuleNode; key: string } | { kind: 'builtin'; name: string; key: string };

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

export const INPUT = ir.LOCAL_INPUT;
/** Reserved data key holding `with` replacement values computed from local variables. */
export const MOCK_DATA_KEY = '__warden_with__';
export const DATA = ir.LOCAL_DATA;

export function fail(loc: Location | undefined, message: string): never {
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

/** State and helpers shared by the planning stages; the stages above implement the abstract methods. */
export abstract class PlannerBase {
  protected readonly strings: string[] = [];
  protected readonly stringIdx = new Map<string, number>();
  protected readonly files: string[] = [];
  protected readonly builtins = new Map<string, number>();
  protected readonly funcs: ir.Func[] = [];
  protected readonly plans: ir.Plan[] = [];
  /** Planned functions by rule path; a new frame is pushed while `with` shadows rules or mocks. */
  protected readonly funcCache: { gen: number; map: Map<string, string> }[] = [{ gen: 0, map: new Map() }];
  protected genCounter = 0;
  protected readonly mocks: Map<string, Mock>[] = [];
  protected readonly root: RuleNode;

  protected curr: ir.Block = { stmts: [] };
  protected vars = new Scope();
  protected ltarget: ir.Operand = { type: 'bool', value: true };
  protected lnext = 2;
  protected loc: Location | undefined;
  /** The rule or expression being planned (where an internal error is reported). */
  get currentLocation(): Location | undefined {
    return this.loc;
  }
  protected ctx: ModuleCtx = { pkg: [], imports: new Map() };
  /** Identifies the function being planned, so value mocks bound to locals stay at their site. */
  protected site = 0;
  protected siteCounter = 0;
  protected print = false;


  constructor(modules: Module[]) {
    this.root = buildRuleTree(modules);
  }

  protected abstract planCall(op: Term, args: Term[], mode: 'expr' | 'term', iter: Iter): void;
  protected abstract planQuery(body: Body, i: number, iter: Iter): void;
  protected abstract planRules(node: RuleNode): string;

  /** A variable name: a local, a reference to a document (input, data, import, rule), or unbound. */
  protected lookupVar(name: string): { kind: 'local'; local: ir.Local } | { kind: 'ref'; ref: RefValue } | { kind: 'unbound' } {
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

  /** Declares the variables of an assignment / some-in pattern as new locals of this scope. */
  protected declareVars(t: Term): void {
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
  protected isKnown(t: Term): boolean {
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
  protected isPortable(t: Term): boolean {
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
  protected isGround(t: Term): boolean {
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

  protected toLocal(op: ir.Operand): ir.Local {
    if (op.type === 'local') return op.value;
    const l = this.newLocal();
    this.emit({ type: 'AssignVarStmt', source: op, target: l });
    return l;
  }

  /**
   * Plans `items` in order: `planItem` plans one (it may branch) and calls `next` where the following
   * item is planned; `done` runs after the last. Statements nest, so each item sees the ones before.
   */
  protected planEach<T>(items: readonly T[], planItem: (item: T, next: () => void, i: number) => void, done: () => void): void {
    const rec = (i: number): void => {
      if (i >= items.length) return done();
      planItem(items[i]!, () => rec(i + 1), i);
    };
    rec(0);
  }

  protected newLocal(): ir.Local {
    return this.lnext++;
  }

  protected local(l: ir.Local): ir.Operand {
    return { type: 'local', value: l };
  }

  protected str(s: string): ir.Operand {
    return { type: 'string_index', value: this.strIndex(s) };
  }

  protected strIndex(s: string): number {
    let i = this.stringIdx.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIdx.set(s, i);
    }
    return i;
  }

  protected located(s: ir.Stmt): ir.LocatedStmt {
    if (!this.loc) return s;
    if (!this.files.includes(this.loc.file)) this.files.push(this.loc.file);
    return { ...s, location: { file: this.loc.file, row: this.loc.row, col: this.loc.col } };
  }

  protected emit(s: ir.Stmt): void {
    this.curr.stmts.push(this.located(s));
  }

  protected blockWith(s: ir.Stmt): ir.Block {
    return { stmts: [this.located(s)] };
  }
}
