// emitWasm: IR Policy → policy.wasm for the unmodified @open-policy-agent/opa-wasm SDK.
// Route: the prebuilt AssemblyScript runtime (compiler/assembly → build/runtime.wasm) is read with
// binaryen.js; the policy's plans and functions are added as new functions built with binaryen's
// API, the runtime's `opa_rt_policy_eval` import is replaced by a dispatcher over the plans,
// constants go into one data segment after the runtime's static data, and only the generated
// functions are optimised (whole-module -O3 costs ~0.3 s warm and barely changes evaluation time).
import type * as ir from '../ir/types.ts';
import { loadToolchain, type Binaryen, type Module, type ModuleDataSegments } from './runtime.ts';
import { ConstPool } from './layout.ts';
import { FuncGen, type GenContext, type RuntimeFn, type BuiltinTarget } from './codegen.ts';
import { EmitError } from './errors.ts';
import { addressConstants, placedSegments, type Segment } from './data-reach.ts';

export { EmitError } from './errors.ts';

export interface EmitOptions {
  /** 'generated' (default): optimise generated functions only; 'full': whole module -O3; 'none'. */
  optimize?: 'generated' | 'full' | 'none';
  /** Builtins to route to the SDK's JS side (custom builtins passed to loadPolicy). */
  externalBuiltins?: string[];
  /** Keep a name section (debugging). */
  debugNames?: boolean;
  /**
   * How builtin errors behave. 'opa' (default, OPA's evaluator without strict builtin errors, and
   * regorus's non-strict mode): a failing builtin call, operand type errors included
   * (`count(null)`, `object.get(null, …)`), is undefined and evaluation carries on. 'strict' (opa
   * --strict-builtin-errors, regorus's default): every builtin error halts the evaluation with
   * its code (eval_type_error, eval_builtin_error).
   */
  builtinErrors?: 'opa' | 'strict';
  /** Same as builtinErrors: 'strict'. */
  strictBuiltinErrors?: boolean;
}

/**
 * Builtins handed to the SDK's JS side when the runtime has no export for them: the six the SDK
 * implements, and time.now_ns, which a sandboxed module cannot know: the host passes it to
 * loadPolicy as a custom builtin, else evaluation fails naming it (never a silent wrong result).
 */
const SDK_BUILTINS = new Set(['sprintf', 'json.is_valid', 'regex.split', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal', 'time.now_ns']);
/** Those the SDK implements itself (it looks them up before the host's). */
const SDK_OWN_BUILTINS = new Set([...SDK_BUILTINS].filter((n) => n !== 'time.now_ns'));

/**
 * Prefix of a host builtin's name in builtins() when the SDK has one of the same name (see link());
 * the host registers its builtins under it too (agent/src/policy/host-builtins/names.ts SHADOW_PREFIX).
 */
export const HOST_PREFIX = 'host:';

/**
 * The host builtin answering a time zone's UTC offset at an instant (`warden.tz_offset(zone,
 * unix_seconds)`), for the zones the runtime's table lacks; asked only by these builtins.
 */
export const TZ_HOST_BUILTIN = 'warden.tz_offset';
const ZONE_BUILTINS = new Set(['time.date', 'time.clock', 'time.weekday', 'time.format', 'time.diff']);

/** The SDK supplies 5 pages; active data beyond this needs the passive-segment start function. */
const SDK_PAGES = 5;
const PAGE = 65536;

const ABI_EXPORTS = new Set([
  'memory', 'opa_wasm_abi_version', 'opa_wasm_abi_minor_version', 'opa_eval', 'eval',
  'opa_malloc', 'opa_free', 'opa_heap_ptr_get', 'opa_heap_ptr_set',
  'opa_json_parse', 'opa_json_dump', 'opa_value_parse', 'opa_value_dump',
  'opa_eval_ctx_new', 'opa_eval_ctx_set_input', 'opa_eval_ctx_set_data', 'opa_eval_ctx_set_entrypoint',
  'opa_eval_ctx_get_result',
  // Read by the host (agent/src/policy/host-builtins): a host builtin's error is an error or undefined by it.
  'opa_rt_strict_builtin_errors',
  // Read by the host too: where the builtin being called is (`file:row:col: `, 0 when not strict).
  'opa_rt_call_loc',
]);

export function builtinExportName(name: string): string {
  return 'opa_builtin_' + name.replace(/\./g, '_');
}

export async function emitWasm(policy: ir.Policy, opts: EmitOptions = {}): Promise<Uint8Array> {
  const { binaryen, runtime } = await loadToolchain();
  const t0 = performance.now();
  const m = binaryen.readBinary(runtime);
  phase('readBinary', t0);
  try {
    return link(binaryen, m, policy, opts);
  } catch (e) {
    if (e instanceof Error) throw e;
    // binaryen reports fatal errors as bare non-Error throws from its C++ core.
    throw new EmitError(`internal error: binaryen failed while linking (${String(e)})`);
  } finally {
    m.dispose();
  }
}

/** WARDEN_EMIT_TIMING=1 prints each phase's duration to stderr (bench/compiler-emit.ts). */
const TIMING = process.env['WARDEN_EMIT_TIMING'] === '1';
function phase(name: string, since: number): number {
  const now = performance.now();
  if (TIMING) process.stderr.write(`emit ${name}: ${(now - since).toFixed(1)} ms\n`);
  return now;
}

/** Export names (`opa_builtin_*`) of the builtins the runtime implements, plus the SDK's (as `builtinExportName`). */
export async function supportedBuiltins(): Promise<Set<string>> {
  if (supportedCache) return new Set(supportedCache);
  const { binaryen, runtime } = await loadToolchain();
  const m = binaryen.readBinary(runtime);
  try {
    const out = new Set<string>([...SDK_BUILTINS].map(builtinExportName));
    for (let i = 0; i < m.getNumExports(); i++) {
      const e = binaryen.getExportInfo(m.getExportByIndex(i));
      if (e.name.startsWith('opa_builtin_')) out.add(e.name);
    }
    supportedCache = out;
    return new Set(out);
  } finally {
    m.dispose();
  }
}

/**
 * Every builtin the policy calls that neither the runtime nor the SDK (nor the host, through
 * `externalBuiltins`) implements, each at the first place it is called, in source order.
 */
export async function missingBuiltins(policy: ir.Policy, externalBuiltins: string[] = []): Promise<{ name: string; location?: ir.Location }[]> {
  const have = await supportedBuiltins();
  for (const e of externalBuiltins) have.add(builtinExportName(e));
  const funcs = new Set(policy.funcs.map((f) => f.name));
  const first = new Map<string, ir.Location | undefined>();
  const visit = (blocks: ir.Block[]): void => {
    for (const blk of blocks) {
      for (const s of blk.stmts) {
        if (s.type === 'CallStmt' && !funcs.has(s.func) && !have.has(builtinExportName(s.func))) {
          const cur = first.get(s.func);
          if (!first.has(s.func) || (cur === undefined && s.location !== undefined) || (cur && s.location && before(s.location, cur))) first.set(s.func, s.location);
        }
        if (s.type === 'BlockStmt') visit(s.blocks);
        else if (s.type === 'NotStmt' || s.type === 'ScanStmt' || s.type === 'WithStmt') visit([s.block]);
      }
    }
  };
  for (const p of policy.plans) visit(p.blocks);
  for (const f of policy.funcs) visit(f.blocks);
  return [...first.entries()].map(([name, location]) => ({ name, location }))
    .sort((a, b) => (a.location && b.location ? (before(a.location, b.location) ? -1 : 1) : a.location ? -1 : 1));
}

function before(a: ir.Location, b: ir.Location): boolean {
  return a.file !== b.file ? a.file < b.file : a.row !== b.row ? a.row < b.row : a.col < b.col;
}

let supportedCache: Set<string> | undefined;

function link(b: Binaryen, m: Module, policy: ir.Policy, opts: EmitOptions): Uint8Array {
  const tLink = performance.now();
  m.setFeatures(b.Features.MVP | b.Features.MutableGlobals | b.Features.SignExt | b.Features.NontrappingFPToInt
    | b.Features.BulkMemory | b.Features.BulkMemoryOpt);

  // Runtime exports: name → internal function, with signature.
  const fnExports = new Map<string, RuntimeFn>();
  const globalExports = new Map<string, string>();
  let memoryName = 'mimport$0';
  for (let i = 0; i < m.getNumExports(); i++) {
    const e = b.getExportInfo(m.getExportByIndex(i));
    if (e.kind === b.ExternalFunction) {
      const f = b.getFunctionInfo(m.getFunction(e.value));
      fnExports.set(e.name, { name: e.value, params: b.expandType(f.params).length, result: f.results });
    } else if (e.kind === b.ExternalGlobal) {
      globalExports.set(e.name, e.value);
    } else if (e.kind === b.ExternalMemory) {
      memoryName = e.value;
    }
  }
  const rt = (name: string): RuntimeFn => {
    const f = fnExports.get(name);
    if (f === undefined) throw new EmitError(`runtime function ${name} missing from runtime.wasm (rebuild with npm run build)`);
    return f;
  };

  // Runtime static data, kept as is; the constant pool follows it.
  const segs = m as unknown as ModuleDataSegments;
  const runtimeSegments: { offset: number; data: Uint8Array; passive: boolean }[] = [];
  let staticEnd = 1024;
  for (let i = 0; i < segs.getNumDataSegments(); i++) {
    const info = segs.getDataSegmentInfo(segs.getDataSegmentByIndex(i));
    runtimeSegments.push({ offset: info.offset, data: new Uint8Array(info.data), passive: info.passive });
    staticEnd = Math.max(staticEnd, info.offset + info.data.byteLength);
  }
  const pool = new ConstPool((staticEnd + 7) & ~7);

  const errorMode = opts.builtinErrors ?? (opts.strictBuiltinErrors === true ? 'strict' : 'opa');
  // Builtins: runtime export first, else the host's (externalBuiltins) or the SDK's JS
  // implementation via opa_builtinN. The SDK looks its own builtins up before the host's by name,
  // so a host builtin that replaces an SDK one (yaml.unmarshal, for OPA's error) is listed in the
  // module's builtins() table as `host:<name>`, a name the SDK does not have. Only with strict
  // builtin errors, the one mode where the two differ (both make an error undefined otherwise): a
  // module in OPA's default mode runs on any host, older warden agents included.
  const sdkIds = new Map<string, number>();
  const sdkImports = new Set<number>();
  const externals = new Set(opts.externalBuiltins ?? []);
  /** Sets the initial value of one of the runtime's exported i32 globals. */
  const setGlobal = (exportName: string, value: number): void => {
    const g = globalExports.get(exportName);
    if (g === undefined) throw new EmitError(`runtime does not export ${exportName} (rebuild with npm run build)`);
    m.removeGlobal(g);
    m.addGlobal(g, b.i32, true, m.i32.const(value));
  };
  let zonesUsed = false;
  const builtin = (name: string, arity: number, loc: ir.Location | undefined): BuiltinTarget => {
    const fn = fnExports.get(builtinExportName(name));
    if (ZONE_BUILTINS.has(name)) zonesUsed = true;
    if (fn !== undefined) return { kind: 'runtime', fn };
    if (SDK_BUILTINS.has(name) || externals.has(name)) {
      if (arity > 4) throw new EmitError(`builtin ${name}: the SDK's opa_builtinN supports at most 4 arguments`, loc);
      const tableName = errorMode === 'strict' && externals.has(name) && SDK_OWN_BUILTINS.has(name) ? HOST_PREFIX + name : name;
      let id = sdkIds.get(tableName);
      if (id === undefined) {
        id = sdkIds.size;
        sdkIds.set(tableName, id);
      }
      if (!sdkImports.has(arity)) {
        sdkImports.add(arity);
        m.addFunctionImport(`warden$sdk_builtin${arity}`, 'env', `opa_builtin${arity}`,
          b.createType(new Array<number>(arity + 2).fill(b.i32)), b.i32);
      }
      const guard = fnExports.get('opa_sdkguard_' + name.replace(/\./g, '_'));
      return { kind: 'sdk', importName: `warden$sdk_builtin${arity}`, id, ...(guard ? { guard } : {}) };
    }
    throw new EmitError(`builtin ${name} is not implemented by the WASM runtime`, loc);
  };

  const funcs = new Map<string, { wasmName: string; func: ir.Func }>();
  policy.funcs.forEach((f, i) => {
    if (funcs.has(f.name)) throw new EmitError(`duplicate function ${f.name} in IR`);
    funcs.set(f.name, { wasmName: `warden$f${i}`, func: f });
  });
  const callLocGlobal = errorMode === 'strict' ? globalExports.get('opa_rt_call_loc') : undefined;
  if (errorMode === 'strict' && callLocGlobal === undefined) throw new EmitError('runtime does not export opa_rt_call_loc (rebuild with npm run build)');
  const ctx: GenContext = { b, m, pool, policy, funcs, rt, builtin, ...(callLocGlobal !== undefined ? { callLocGlobal } : {}) };
  const generated: string[] = [];

  for (const { wasmName, func } of funcs.values()) {
    if (func.params.length < 2) throw new EmitError(`function ${func.name} must take input and data`);
    const g = new FuncGen(ctx, func.params, 'func', func.params.length - 2);
    const blocks = g.blocks(func.blocks, []);
    const body = [...blocks, m.local.get(g.localIndex(func.return), b.i32)];
    m.addFunction(wasmName, b.createType(func.params.map(() => b.i32)), b.i32, g.vars, m.block(null, body, b.i32));
    generated.push(wasmName);
  }

  const entrypointIds: Record<string, number> = {};
  policy.plans.forEach((plan, i) => {
    if (Object.hasOwn(entrypointIds, plan.name)) throw new EmitError(`duplicate plan ${plan.name}`);
    entrypointIds[plan.name] = i;
    const g = new FuncGen(ctx, [0, 1], 'plan');
    const rs = g.temp();
    g.resultSet = rs;
    const body = [
      m.local.set(rs, m.call(rt('opa_set').name, [], b.i32)),
      ...g.blocks(plan.blocks, []),
      m.local.get(rs, b.i32),
    ];
    const name = `warden$p${i}`;
    m.addFunction(name, b.createType([b.i32, b.i32]), b.i32, g.vars, m.block(null, body, b.i32));
    generated.push(name);
  });

  // The dispatcher replaces the runtime's `env.opa_rt_policy_eval` import.
  const evalImport = findFunctionImport(b, m, 'env', 'opa_rt_policy_eval');
  m.removeFunction(evalImport);
  const ep = (): number => m.local.get(0, b.i32);
  const dispatch: number[] = policy.plans.map((_, i) => m.if(
    m.i32.eq(ep(), m.i32.const(i)),
    m.return(m.call(`warden$p${i}`, [m.local.get(1, b.i32), m.local.get(2, b.i32)], b.i32)),
  ));
  dispatch.push(m.call(rt('opa_abort').name, [m.i32.const(pool.cstring('invalid entrypoint id'))], b.none), m.unreachable());
  m.addFunction(evalImport, b.createType([b.i32, b.i32, b.i32]), b.i32, [], m.block(null, dispatch, b.unreachable));
  generated.push(evalImport);

  // builtins() and entrypoints() return values parsed from constant JSON texts.
  const jsonFn = (name: string, exportName: string, obj: Record<string, number>): void => {
    const text = JSON.stringify(obj);
    const len = new TextEncoder().encode(text).length;
    m.addFunction(name, b.none, b.i32, [], m.call(rt('opa_json_parse').name, [m.i32.const(pool.cstring(text)), m.i32.const(len)], b.i32));
    m.addFunctionExport(name, exportName);
  };
  // Zones beyond the runtime's table come from the host, when it offers them.
  if (zonesUsed && externals.has(TZ_HOST_BUILTIN)) {
    const id = sdkIds.size;
    sdkIds.set(TZ_HOST_BUILTIN, id);
    setGlobal('opa_rt_tz_host', id + 1);
  }
  jsonFn('warden$builtins', 'builtins', Object.fromEntries(sdkIds));
  jsonFn('warden$entrypoints', 'entrypoints', entrypointIds);

  // Memory: runtime segments + pool. Small pools are an active segment; large ones (beyond the
  // SDK's 5 pages) a passive one copied in by a start function after growing memory.
  const heapBase = (pool.end + 7) & ~7;
  const poolData = pool.data();
  const passive = heapBase > SDK_PAGES * PAGE - 4096;
  const segments = runtimeSegments.map((s, i) => ({ name: `rt${i}`, offset: m.i32.const(s.offset), data: s.data, passive: s.passive }));
  // A passive segment has no offset expression (0 = null ref).
  segments.push({ name: 'warden$const', offset: passive ? 0 : m.i32.const(pool.base), data: poolData, passive });
  const initialPages = passive ? Math.ceil(pool.base / PAGE) : Math.max(1, Math.ceil(heapBase / PAGE));
  m.setMemory(initialPages, -1, null, segments, false, false, memoryName);
  m.addMemoryImport(memoryName, 'env', 'memory');
  if (passive) {
    const segName = 'warden$const';
    const need = m.i32.sub(m.i32.const(heapBase), m.i32.mul(m.memory.size(memoryName), m.i32.const(PAGE)));
    m.addFunction('warden$start', b.none, b.none, [], m.block(null, [
      m.if(m.i32.gt_s(need, m.i32.const(0)),
        m.drop(m.memory.grow(m.i32.div_u(m.i32.add(
          m.i32.sub(m.i32.const(heapBase), m.i32.mul(m.memory.size(memoryName), m.i32.const(PAGE))),
          m.i32.const(PAGE - 1)), m.i32.const(PAGE)), memoryName))),
      m.memory.init(segName, m.i32.const(pool.base), m.i32.const(0), m.i32.const(poolData.length), memoryName),
      m.data.drop(segName),
    ], b.none));
    m.setStart(m.getFunction('warden$start'));
  }

  // The heap starts after the constants.
  const heapGlobal = globalExports.get('opa_rt_heap_ptr');
  if (heapGlobal === undefined) throw new EmitError('runtime does not export opa_rt_heap_ptr');
  m.removeGlobal(heapGlobal);
  m.addGlobal(heapGlobal, b.i32, true, m.i32.const(heapBase));

  // Builtin error mode: the runtime's flags are globals whose initial values are set here.
  const setFlag = (exportName: string): void => setGlobal(exportName, 1);
  if (errorMode === 'strict') setFlag('opa_rt_strict_builtin_errors');
  else setFlag('opa_rt_lenient_type_errors');

  // Drop every helper export so the optimiser may inline or remove them.
  for (const name of [...fnExports.keys(), ...globalExports.keys()]) {
    if (!ABI_EXPORTS.has(name)) m.removeExport(name);
  }

  let t = phase('link', tLink);
  b.setDebugInfo(opts.debugNames === true);
  const mode = opts.optimize ?? 'generated';
  if (mode === 'full') {
    b.setOptimizeLevel(3);
    b.setShrinkLevel(0);
    m.optimize();
  } else if (mode === 'generated') {
    b.setOptimizeLevel(2);
    b.setShrinkLevel(0);
    for (const name of generated) m.optimizeFunction(name);
    m.runPasses(['remove-unused-module-elements']);
  } else {
    m.runPasses(['remove-unused-module-elements']);
  }
  t = phase('optimize', t);
  if (!m.validate()) throw new EmitError('internal error: generated module failed validation');
  t = phase('validate', t);
  let out = m.emitBinary();
  t = phase('emitBinary', t);
  // Static data: only what the surviving code can address, without zero runs (data-reach.ts).
  const current: Segment[] = [];
  for (let i = 0; i < segs.getNumDataSegments(); i++) {
    const info = segs.getDataSegmentInfo(segs.getDataSegmentByIndex(i));
    current.push({ name: info.name, offset: info.offset, data: new Uint8Array(info.data), passive: info.passive });
  }
  const placed = placedSegments(current, addressConstants(out));
  if (placed.length !== current.length || placed.some((s, i) => s !== current[i])) {
    m.setMemory(initialPages, -1, null, placed.map((s) => ({ name: s.name, offset: s.passive ? 0 : m.i32.const(s.offset), data: s.data, passive: s.passive })),
      false, false, memoryName);
    m.addMemoryImport(memoryName, 'env', 'memory');
    if (!m.validate()) throw new EmitError('internal error: module failed validation after placing its static data');
    out = m.emitBinary();
    phase('placeData', t);
  }
  return out;
}

function findFunctionImport(b: Binaryen, m: Module, module: string, base: string): string {
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const f = b.getFunctionInfo(m.getFunctionByIndex(i));
    if (f.module === module && f.base === base) return f.name;
  }
  throw new EmitError(`runtime import ${module}.${base} not found`);
}
