// One loaded policy with the host builtins it calls. Implementations that need more than a line
// are loaded when a policy calling them is loaded (never at agent start-up), and each evaluation
// gets a fresh per-evaluation context (OPA's per-query cache: rand.intn, uuid.rfc4122 and
// time.now_ns give one answer per evaluation). The context exists only while evaluate() runs, so
// nothing one evaluation computed can reach the next.
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { SHADOW_PREFIX } from './names.ts';
import { BuiltinError, type EvalContext, type HostBuiltin } from './types.ts';

export type HostImplementations = (ctx: () => EvalContext) => Record<string, HostBuiltin>;

export interface HostTable {
  /** Builtins implemented inline (no state, no weight). */
  sync: Record<string, (...args: unknown[]) => unknown>;
  /** name → loader of the module group implementing it. */
  lazy: Map<string, () => Promise<HostImplementations>>;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The builtin names a compiled module calls by name (its `builtins()` export). */
function exportsOf(policy: LoadedPolicy): Record<string, unknown> {
  return (policy.wasmInstance as unknown as { exports: Record<string, unknown> }).exports;
}

function calledBuiltins(policy: LoadedPolicy): string[] {
  const inst = exportsOf(policy);
  const builtins = inst.builtins as (() => number) | undefined;
  const dump = inst.opa_json_dump as ((addr: number) => number) | undefined;
  if (!builtins || !dump) return [];
  const at = dump(builtins());
  const mem = new Uint8Array(policy.mem.buffer);
  let end = at;
  while (end < mem.length && mem[end] !== 0) end++;
  const parsed = JSON.parse(new TextDecoder().decode(mem.subarray(at, end))) as unknown;
  return parsed && typeof parsed === 'object' ? Object.keys(parsed).map((n) => (n.startsWith(SHADOW_PREFIX) ? n.slice(SHADOW_PREFIX.length) : n)) : [];
}

/** Whether the module was compiled with strict builtin errors (its exported flag; absent = OPA's default). */
function strictErrors(policy: LoadedPolicy): boolean {
  const g = exportsOf(policy).opa_rt_strict_builtin_errors as { value?: unknown } | undefined;
  return typeof g?.value === 'number' && g.value !== 0;
}

/**
 * Where the builtin being called is (`file:row:col: `), as a strict module records it before each
 * builtin call (its exported opa_rt_call_loc: a NUL-terminated string's address), else ''.
 */
function callLocation(policy: LoadedPolicy): string {
  const g = exportsOf(policy).opa_rt_call_loc as { value?: unknown } | undefined;
  const at = g?.value;
  if (typeof at !== 'number' || at <= 0) return '';
  const mem = new Uint8Array(policy.mem.buffer);
  let end = at;
  while (end < mem.length && end - at < 1024 && mem[end] !== 0) end++;
  const text = new TextDecoder().decode(mem.subarray(at, end));
  return /^[^\n]*:\d+:\d+: $/.test(text) ? text : '';
}

export class HostedPolicy {
  private ctx: EvalContext | undefined;
  private strict = false;
  private readonly impls = new Map<string, HostBuiltin>();

  private constructor(private readonly table: HostTable) {}

  private policy!: LoadedPolicy;

  get entrypoints(): Record<string, number> {
    return (this.policy.entrypoints ?? {}) as Record<string, number>;
  }

  static async load(wasm: Uint8Array, table: HostTable): Promise<HostedPolicy> {
    const h = new HostedPolicy(table);
    const custom: Record<string, (...args: unknown[]) => unknown> = {};
    for (const name of [...Object.keys(table.sync), ...table.lazy.keys()]) {
      custom[name] = (...args) => h.call(name, args);
      // A host builtin the SDK has too is called by the module as `host:<name>` (names.ts).
      custom[SHADOW_PREFIX + name] = custom[name];
    }
    h.policy = await loadPolicy(wasm, undefined, custom);
    h.strict = strictErrors(h.policy);
    const groups = new Set<() => Promise<HostImplementations>>();
    for (const name of calledBuiltins(h.policy)) {
      const loader = table.lazy.get(name);
      if (loader) groups.add(loader);
    }
    for (const loader of groups) {
      const impls = (await loader())(() => h.context());
      for (const [name, fn] of Object.entries(impls)) h.impls.set(name, fn);
    }
    return h;
  }

  setData(data: object): void {
    this.policy.setData(data);
  }

  /** One evaluation, with a fresh per-evaluation context that ends with it. */
  evaluate(input: unknown, entrypoint?: string | number): unknown {
    if (this.ctx) throw new Error('policy evaluation re-entered');
    this.ctx = { cache: new Map(), nowNs: Date.now() * 1e6 };
    try {
      return this.policy.evaluate(input, entrypoint);
    } finally {
      this.ctx = undefined;
    }
  }

  private context(): EvalContext {
    if (!this.ctx) throw new Error('host builtin called outside an evaluation');
    return this.ctx;
  }

  /**
   * A builtin's error is OPA's: the call is undefined by default, and fails the evaluation with
   * `<file>:<row>:<col>: <code>: <name>: <message>` (the call's location) when the module was
   * compiled with strict builtin errors.
   */
  private call(name: string, args: unknown[]): unknown {
    try {
      const sync = this.table.sync[name];
      if (sync) return sync(...args);
      const fn = this.impls.get(name);
      if (!fn) throw new Error(`host builtin ${name} was not loaded with the policy`);
      return fn(...args);
    } catch (e) {
      // The host lacking a part (e.g. graphql-js not installed) is not the policy's error: it always surfaces.
      if ((e as { hostUnavailable?: unknown } | null)?.hostUnavailable === true) throw e;
      if (!this.strict) return undefined;
      const code = e instanceof BuiltinError ? e.code : 'eval_builtin_error';
      throw new Error(`${callLocation(this.policy)}${code}: ${name}: ${errorText(e)}`);
    }
  }
}
