// IR → binaryen expressions. Each IR Block becomes a wasm `block`; a statement that is undefined
// branches to the innermost one (the "fail" label); BreakStmt{index} branches `index` levels
// further out. ScanStmt, NotStmt and WithStmt bodies count as one level each (as in OPA's
// compiler). Every IR local is an i32 wasm local holding a value address (0 = undefined).
import type * as ir from '../ir/types.ts';
import type { Binaryen, Module } from './runtime.ts';
import type { ConstPool } from './layout.ts';
import { TYPE_ARRAY, TYPE_OBJECT, TYPE_SET, compareScalar, type ConstScalar } from './layout.ts';
import { EmitError } from './errors.ts';

type Expr = number;

export interface RuntimeFn {
  name: string;
  params: number;
  result: number;
}

/** How generated code calls a builtin: a runtime export, or the SDK through opa_builtinN. */
/** An SDK builtin may have a runtime guard (opa_sdkguard_*) whose non-zero result answers first. */
export type BuiltinTarget = { kind: 'runtime'; fn: RuntimeFn } | { kind: 'sdk'; importName: string; id: number; guard?: RuntimeFn };

export interface GenContext {
  b: Binaryen;
  m: Module;
  pool: ConstPool;
  policy: ir.Policy;
  /** IR func name → [wasm function name, func]. */
  funcs: Map<string, { wasmName: string; func: ir.Func }>;
  rt(name: string): RuntimeFn;
  builtin(name: string, arity: number, loc: ir.Location | undefined): BuiltinTarget;
  /**
   * With strict builtin errors: the runtime global (opa_rt_call_loc) that each builtin call sets
   * to its `file:row:col: ` first, so the error it raises is located like OPA's.
   */
  callLocGlobal?: string;
}

/** `file:row:col: ` — how runtime errors name where they happened (empty when unknown). */
function locationPrefix(loc: ir.Location | undefined): string {
  return loc ? `${loc.file}:${loc.row}:${loc.col}: ` : '';
}

export class FuncGen {
  private readonly b: Binaryen;
  private readonly m: Module;
  private readonly localMap = new Map<ir.Local, number>();
  readonly vars: number[] = [];
  private nparams: number;
  private labels = 0;
  private readonly i32: number;

  constructor(private readonly ctx: GenContext, params: ir.Local[], private readonly kind: 'plan' | 'func', private readonly arity = 0) {
    this.b = ctx.b;
    this.m = ctx.m;
    this.i32 = ctx.b.i32;
    params.forEach((p, i) => this.localMap.set(p, i));
    this.nparams = params.length;
  }

  // ---- locals ----------------------------------------------------------------------------------

  localIndex(l: ir.Local): number {
    return this.index(l);
  }

  private index(l: ir.Local): number {
    let i = this.localMap.get(l);
    if (i === undefined) {
      i = this.temp();
      this.localMap.set(l, i);
    }
    return i;
  }

  temp(): number {
    this.vars.push(this.i32);
    return this.nparams + this.vars.length - 1;
  }

  private get(l: ir.Local): Expr {
    return this.m.local.get(this.index(l), this.i32);
  }

  private set(l: ir.Local, v: Expr): Expr {
    return this.m.local.set(this.index(l), v);
  }

  private label(prefix: string): string {
    return `${prefix}${this.labels++}`;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private call(name: string, args: Expr[]): Expr {
    const fn = this.ctx.rt(name);
    if (fn.params !== args.length) throw new EmitError(`runtime function ${name} takes ${fn.params} arguments, got ${args.length}`);
    return this.m.call(fn.name, args, fn.result);
  }

  private const(addr: number): Expr {
    return this.m.i32.const(addr);
  }

  private operand(op: ir.Operand, loc: ir.Location | undefined): Expr {
    switch (op.type) {
      case 'local': return this.get(op.value);
      case 'bool': return this.const(this.ctx.pool.bool(op.value));
      case 'string_index': return this.const(this.ctx.pool.string(this.str(op.value, loc)));
    }
  }

  private str(i: number, loc: ir.Location | undefined): string {
    const s = this.ctx.policy.static.strings[i];
    if (s === undefined) throw new EmitError(`string index ${i} out of range`, loc);
    return s;
  }

  private failIfZero(v: Expr, fail: string): Expr {
    return this.m.br(fail, this.m.i32.eqz(v));
  }

  private abort(message: string, loc: ir.Location | undefined): Expr {
    // The SDK decodes abort messages byte by byte: keep them ASCII. With a location, the runtime
    // writes `<file>:<row>:<col>: <message>` from its parts (opa_rt_abort_at), so the pool holds
    // the file name and each message once, not one text per place.
    const ascii = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');
    const call = loc
      ? this.call('opa_rt_abort_at', [this.const(this.ctx.pool.cstring(ascii(loc.file))), this.m.i32.const(Math.max(0, loc.row | 0)),
        this.m.i32.const(Math.max(0, loc.col | 0)), this.const(this.ctx.pool.cstring(ascii(message)))])
      : this.call('opa_abort', [this.const(this.ctx.pool.cstring(ascii(message)))]);
    return this.m.block(null, [call, this.m.unreachable()]);
  }

  // ---- blocks ----------------------------------------------------------------------------------

  /** A sequence of IR blocks, each its own level. */
  blocks(blocks: ir.Block[], stack: string[]): Expr[] {
    if (this.usage === undefined) this.usage = collectionUsage(blocks);
    return blocks.map((blk) => this.block(blk, stack));
  }

  private block(blk: ir.Block, stack: string[], label = this.label('b')): Expr {
    const inner = [...stack, label];
    return this.m.block(label, this.stmts(blk.stmts, inner), this.b.none);
  }

  /** Per local: how many Make*Stmt create it and how many statements add to it (whole function). */
  private usage: Map<ir.Local, { makes: number; adds: number }> | undefined;

  /**
   * A statement list. A collection made and filled with constants only (`{"a", "b"}`, a ban list
   * written in Rego), and never added to elsewhere, becomes one constant in the data segment
   * instead of being rebuilt on every evaluation.
   */
  private stmts(list: ir.LocatedStmt[], stack: string[]): Expr[] {
    const out: Expr[] = [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as ir.LocatedStmt;
      const folded = this.foldConstant(list, i);
      if (folded !== undefined) {
        out.push(this.set(folded.target, this.const(folded.addr)));
        i += folded.consumed;
        continue;
      }
      out.push(...this.stmt(s, stack));
    }
    return out;
  }

  private foldConstant(list: ir.LocatedStmt[], i: number): { target: ir.Local; addr: number; consumed: number } | undefined {
    const s = list[i];
    if (s === undefined || (s.type !== 'MakeArrayStmt' && s.type !== 'MakeObjectStmt' && s.type !== 'MakeSetStmt')) return undefined;
    const use = this.usage?.get(s.target);
    if (use === undefined || use.makes !== 1) return undefined;
    const run = list.slice(i + 1, i + 1 + use.adds);
    if (run.length !== use.adds) return undefined;
    const scalar = (op: ir.Operand): ConstScalar | undefined => {
      if (op.type === 'bool') return { kind: 'bool', value: op.value };
      if (op.type === 'string_index') {
        const text = this.ctx.policy.static.strings[op.value];
        return text === undefined ? undefined : { kind: 'string', value: text };
      }
      return undefined;
    };
    const elems: ConstScalar[] = [];
    const pairs: [ConstScalar, ConstScalar][] = [];
    for (const st of run) {
      if (s.type === 'MakeArrayStmt' && st.type === 'ArrayAppendStmt' && st.array === s.target) {
        const v = scalar(st.value);
        if (v === undefined) return undefined;
        elems.push(v);
      } else if (s.type === 'MakeSetStmt' && st.type === 'SetAddStmt' && st.set === s.target) {
        const v = scalar(st.value);
        if (v === undefined) return undefined;
        elems.push(v);
      } else if (s.type === 'MakeObjectStmt' && (st.type === 'ObjectInsertStmt' || st.type === 'ObjectInsertOnceStmt') && st.object === s.target) {
        const k = scalar(st.key), v = scalar(st.value);
        if (k === undefined || v === undefined) return undefined;
        // A conflicting ObjectInsertOnceStmt must raise its error at run time: do not fold.
        if (st.type === 'ObjectInsertOnceStmt' && pairs.some(([k2, v2]) => compareScalar(k, k2) === 0 && compareScalar(v, v2) !== 0)) return undefined;
        pairs.push([k, v]);
      } else return undefined;
    }
    const pool = this.ctx.pool;
    const addr = s.type === 'MakeArrayStmt' ? pool.array(elems.map((e) => pool.scalar(e)))
      : s.type === 'MakeSetStmt' ? pool.set(elems) : pool.object(pairs);
    return { target: s.target, addr, consumed: run.length };
  }

  private stmt(s: ir.LocatedStmt, stack: string[]): Expr[] {
    const m = this.m;
    const loc = s.location;
    const fail = stack[stack.length - 1];
    if (fail === undefined) throw new EmitError(`${s.type} outside a block`, loc);
    switch (s.type) {
      case 'BlockStmt':
        return this.blocks(s.blocks, stack);
      case 'BreakStmt': {
        const target = stack[stack.length - 1 - s.index];
        if (target === undefined || s.index < 0) throw new EmitError(`BreakStmt index ${s.index} exceeds block depth ${stack.length}`, loc);
        return [m.br(target)];
      }
      case 'NotStmt': {
        const label = this.label('not');
        // Body completes → the negation is undefined; body breaks out (undefined) → continue.
        const body = this.stmts(s.block.stmts, [...stack, label]);
        return [m.block(label, [...body, m.br(fail)], this.b.none)];
      }
      case 'ScanStmt': return this.scan(s, stack);
      case 'NopStmt': return [];
      case 'ReturnLocalStmt': return [m.return(this.get(s.source))];
      case 'ResultSetAddStmt': {
        if (this.kind !== 'plan' || this.resultSet === undefined) throw new EmitError('ResultSetAddStmt outside a plan', loc);
        return [this.call('opa_set_add', [m.local.get(this.resultSet, this.i32), this.get(s.value)])];
      }
      case 'CallStmt': return this.callStmt(s, fail, loc);
      case 'CallDynamicStmt': return this.callDynamic(s, fail);
      case 'WithStmt': return this.withStmt(s, stack, loc);
      case 'AssignIntStmt': return [this.set(s.target, this.const(this.ctx.pool.int(s.value)))];
      case 'AssignVarStmt': return [this.set(s.target, this.operand(s.source, loc))];
      case 'AssignVarOnceStmt': {
        const msg = this.kind === 'func' && this.arity > 0
          ? 'eval_conflict_error: functions must not produce multiple outputs for same inputs'
          : 'eval_conflict_error: complete rules must not produce multiple outputs';
        return [m.if(
          m.i32.eqz(this.get(s.target)),
          this.set(s.target, this.operand(s.source, loc)),
          m.if(m.i32.eqz(this.call('opa_value_equal', [this.get(s.target), this.operand(s.source, loc)])), this.abort(msg, loc)),
        )];
      }
      case 'ResetLocalStmt': return [this.set(s.target, m.i32.const(0))];
      case 'MakeNullStmt': return [this.set(s.target, this.const(this.ctx.pool.null()))];
      case 'MakeNumberIntStmt': return [this.set(s.target, this.const(this.ctx.pool.int(s.value)))];
      case 'MakeNumberRefStmt': {
        const text = this.str(s.index, loc);
        try {
          return [this.set(s.target, this.const(this.ctx.pool.number(text)))];
        } catch (e) {
          throw new EmitError((e as Error).message, loc);
        }
      }
      case 'MakeArrayStmt': return [this.set(s.target, this.call('opa_array_with_cap', [m.i32.const(Math.max(0, s.capacity | 0))]))];
      case 'MakeObjectStmt': return [this.set(s.target, this.call('opa_object', []))];
      case 'MakeSetStmt': return [this.set(s.target, this.call('opa_set', []))];
      case 'ArrayAppendStmt': return [this.call('opa_array_append', [this.get(s.array), this.operand(s.value, loc)])];
      case 'ObjectInsertStmt': return [this.call('opa_object_insert', [this.get(s.object), this.operand(s.key, loc), this.operand(s.value, loc)])];
      case 'ObjectInsertOnceStmt':
        return [m.if(
          this.call('opa_object_insert_once', [this.get(s.object), this.operand(s.key, loc), this.operand(s.value, loc)]),
          this.abort('eval_conflict_error: object keys must be unique', loc),
        )];
      case 'ObjectMergeStmt':
        return [this.set(s.target, this.call('opa_value_merge', [this.get(s.a), this.get(s.b)])), this.failIfZero(this.get(s.target), fail)];
      case 'SetAddStmt': return [this.call('opa_set_add', [this.get(s.set), this.operand(s.value, loc)])];
      case 'DotStmt':
        return [this.failIfZero(m.local.tee(this.index(s.target), this.call('opa_value_get', [this.operand(s.source, loc), this.operand(s.key, loc)]), this.i32), fail)];
      case 'LenStmt':
        return [this.set(s.target, this.call('opa_length_value', [this.operand(s.source, loc)]))];
      case 'EqualStmt':
        return [this.failIfZero(this.call('opa_value_equal', [this.operand(s.a, loc), this.operand(s.b, loc)]), fail)];
      case 'NotEqualStmt':
        return [m.br(fail, this.call('opa_value_equal', [this.operand(s.a, loc), this.operand(s.b, loc)]))];
      case 'IsArrayStmt': return [this.typeIs(s.source, TYPE_ARRAY, fail, loc)];
      case 'IsObjectStmt': return [this.typeIs(s.source, TYPE_OBJECT, fail, loc)];
      case 'IsSetStmt': return [this.typeIs(s.source, TYPE_SET, fail, loc)];
      case 'IsDefinedStmt': return [this.failIfZero(this.get(s.source), fail)];
      case 'IsUndefinedStmt': return [m.br(fail, this.get(s.source))];
    }
    const unknown: { type?: unknown } = s;
    throw new EmitError(`unknown IR statement ${String(unknown.type)}`, loc);
  }

  /** Set by the plan wrapper: the local holding the result set. */
  resultSet: number | undefined;

  private typeIs(src: ir.Operand, tag: number, fail: string, loc: ir.Location | undefined): Expr {
    return this.m.br(fail, this.m.i32.ne(this.call('opa_value_type', [this.operand(src, loc)]), this.m.i32.const(tag)));
  }

  private scan(s: Extract<ir.Stmt, { type: 'ScanStmt' }>, stack: string[]): Expr[] {
    const m = this.m;
    const src = this.temp(), n = this.temp(), i = this.temp();
    const done = this.label('sd'), loop = this.label('sl');
    const g = (x: number): Expr => m.local.get(x, this.i32);
    return [
      m.local.set(src, this.get(s.source)),
      m.local.set(n, this.call('opa_scan_len', [g(src)])),
      m.local.set(i, m.i32.const(0)),
      m.block(done, [
        m.loop(loop, m.block(null, [
          m.br(done, m.i32.ge_u(g(i), g(n))),
          this.set(s.key, this.call('opa_scan_key', [g(src), g(i)])),
          this.set(s.value, this.call('opa_scan_value', [g(src), g(i)])),
          this.block(s.block, stack, this.label('sb')),
          m.local.set(i, m.i32.add(g(i), m.i32.const(1))),
          m.br(loop),
        ], this.b.none)),
      ], this.b.none),
    ];
  }

  private callStmt(s: Extract<ir.Stmt, { type: 'CallStmt' }>, fail: string, loc: ir.Location | undefined): Expr[] {
    const f = this.ctx.funcs.get(s.func);
    const g = this.ctx.callLocGlobal;
    if (f !== undefined || g === undefined) return this.callStmtBody(s, fail, loc);
    // A builtin under strict errors: its location first (0 when unknown, never a stale one).
    const where = locationPrefix(loc);
    const at = where === '' ? 0 : this.ctx.pool.cstring(where.replace(/[^\x20-\x7e]/g, '?'));
    return [this.m.global.set(g, this.m.i32.const(at)), ...this.callStmtBody(s, fail, loc)];
  }

  private callStmtBody(s: Extract<ir.Stmt, { type: 'CallStmt' }>, fail: string, loc: ir.Location | undefined): Expr[] {
    const m = this.m;
    const args = s.args.map((a) => this.operand(a, loc));
    const f = this.ctx.funcs.get(s.func);
    let call: Expr;
    if (f !== undefined) {
      if (f.func.params.length !== args.length) {
        throw new EmitError(`call of ${s.func} with ${args.length} arguments, function takes ${f.func.params.length}`, loc);
      }
      call = m.call(f.wasmName, args, this.i32);
    } else {
      const t = this.ctx.builtin(s.func, args.length, loc);
      if (t.kind === 'runtime') {
        if (t.fn.params !== args.length) throw new EmitError(`builtin ${s.func} takes ${t.fn.params} arguments, got ${args.length}`, loc);
        call = m.call(t.fn.name, args, this.i32);
      } else {
        const sdk = m.call(t.importName, [m.i32.const(t.id), m.i32.const(0), ...args], this.i32);
        if (s.func === 'time.now_ns' && args.length === 0) {
          // One value per evaluation (OPA pins the clock per query): the host's first answer is kept.
          const res = this.index(s.result);
          return [
            m.local.set(res, this.call('opa_rt_now_ns_get', [])),
            m.if(m.i32.eqz(m.local.get(res, this.i32)), m.local.set(res, this.call('opa_rt_now_ns_set', [sdk]))),
            this.failIfZero(m.local.get(res, this.i32), fail),
          ];
        }
        if (t.guard !== undefined && t.guard.params === args.length) {
          // The guard's answer, else the SDK's (arguments are locals or constants: safe to repeat).
          const again = s.args.map((a) => this.operand(a, loc));
          const res = this.index(s.result);
          return [
            m.local.set(res, m.call(t.guard.name, again, this.i32)),
            m.if(m.i32.eqz(m.local.get(res, this.i32)), m.local.set(res, sdk)),
            this.failIfZero(m.local.get(res, this.i32), fail),
          ];
        }
        call = s.func === 'providers.aws.sign_req' ? this.mergeIntoRequest(sdk, s.args[0], loc) : sdk;
      }
    }
    return [this.failIfZero(m.local.tee(this.index(s.result), call, this.i32), fail)];
  }

  /**
   * providers.aws.sign_req: the host answers {"headers": …} only and the module merges it into the
   * request, so the request's other values (a set-valued body) never cross the SDK's JSON boundary.
   */
  private mergeIntoRequest(hostCall: Expr, request: ir.Operand | undefined, loc: ir.Location | undefined): Expr {
    const m = this.m;
    if (request === undefined) throw new EmitError('providers.aws.sign_req takes 3 arguments', loc);
    const r = this.temp();
    return m.if(
      m.i32.eqz(m.local.tee(r, hostCall, this.i32)),
      m.i32.const(0),
      this.call('opa_builtin_object_union', [this.operand(request, loc), m.local.get(r, this.i32)]),
    );
  }

  private callDynamic(s: Extract<ir.Stmt, { type: 'CallDynamicStmt' }>, fail: string): Expr[] {
    const m = this.m;
    const done = this.label('dyn');
    const pathConst = s.path.map((p) => (p.type === 'string_index' ? this.ctx.policy.static.strings[p.value] : undefined));
    const cases: Expr[] = [];
    for (const { wasmName, func } of this.ctx.funcs.values()) {
      if (func.path.length !== s.path.length || func.params.length !== s.args.length) continue;
      let cond: Expr | undefined;
      let impossible = false;
      func.path.forEach((seg, i) => {
        const c = pathConst[i];
        if (c !== undefined) {
          if (c !== seg) impossible = true;
          return;
        }
        const op = s.path[i];
        if (op === undefined) return;
        const eq = this.call('opa_value_equal', [this.operand(op, undefined), this.const(this.ctx.pool.string(seg))]);
        cond = cond === undefined ? eq : m.i32.and(cond, eq);
      });
      if (impossible) continue;
      const invoke = m.block(null, [
        this.set(s.result, m.call(wasmName, s.args.map((a) => this.get(a)), this.i32)),
        m.br(done),
      ], this.b.none);
      cases.push(cond === undefined ? invoke : m.if(cond, invoke));
    }
    return [
      m.block(done, [...cases, m.br(fail)], this.b.none),
      this.failIfZero(this.get(s.result), fail),
    ];
  }

  private withStmt(s: Extract<ir.Stmt, { type: 'WithStmt' }>, stack: string[], loc: ir.Location | undefined): Expr[] {
    const m = this.m;
    const fail = stack[stack.length - 1] ?? '';
    const save = this.temp(), undef = this.temp();
    const value = this.operand(s.value, loc);
    const replaced = s.path.length === 0
      ? value
      : this.call('opa_value_upsert', [
        this.get(s.local),
        this.const(this.ctx.pool.array(s.path.map((p) => this.ctx.pool.string(this.str(p, loc))))),
        value,
      ]);
    const label = this.label('w');
    const body = this.stmts(s.block.stmts, [...stack, label]);
    return [
      m.local.set(save, this.get(s.local)),
      this.set(s.local, replaced),
      m.local.set(undef, m.i32.const(1)),
      m.block(label, [...body, m.local.set(undef, m.i32.const(0))], this.b.none),
      this.set(s.local, m.local.get(save, this.i32)),
      m.br(fail, m.local.get(undef, this.i32)),
    ];
  }
}

/** Counts, for every local, the Make*Stmt creating it and the statements adding to it. */
function collectionUsage(blocks: ir.Block[]): Map<ir.Local, { makes: number; adds: number }> {
  const usage = new Map<ir.Local, { makes: number; adds: number }>();
  const get = (l: ir.Local): { makes: number; adds: number } => {
    let u = usage.get(l);
    if (u === undefined) usage.set(l, (u = { makes: 0, adds: 0 }));
    return u;
  };
  const walk = (list: ir.Stmt[]): void => {
    for (const s of list) {
      switch (s.type) {
        case 'MakeArrayStmt': case 'MakeObjectStmt': case 'MakeSetStmt': get(s.target).makes++; break;
        case 'ArrayAppendStmt': get(s.array).adds++; break;
        case 'ObjectInsertStmt': case 'ObjectInsertOnceStmt': get(s.object).adds++; break;
        case 'SetAddStmt': get(s.set).adds++; break;
        case 'BlockStmt': for (const b of s.blocks) walk(b.stmts); break;
        case 'NotStmt': case 'ScanStmt': case 'WithStmt': walk(s.block.stmts); break;
        default: break;
      }
    }
  };
  for (const b of blocks) walk(b.stmts);
  return usage;
}
