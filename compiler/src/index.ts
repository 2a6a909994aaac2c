// Public API of the compiler: Rego sources → checks → plan (IR) → policy.wasm, plus an OPA
// bundle. Problems come back as diagnostics with file:line:col; nothing here throws for bad input.

import type { Module, Term } from './ast.ts';
import { diagnostic, type Diagnostic } from './diagnostics.ts';
import { checkModules, parseModule } from './frontend.ts';
import type { Policy } from './ir/types.ts';
import { planPolicy, queryVars, type QuerySpec } from './planner/index.ts';

export type { Diagnostic } from './diagnostics.ts';
export { formatDiagnostic, formatDiagnosticWithCode } from './diagnostics.ts';

export interface SourceFile {
  file: string;
  source: string;
}

export interface QueryInput {
  /** Plan (entrypoint) name the SDK evaluates, e.g. "eval". */
  name: string;
  /** A Rego query body, e.g. `data.pkg.allow = x` or `x := 1; y := x + 1`. */
  query: string;
}

export interface CompileOptions {
  modules: SourceFile[];
  /** Entrypoints written `pkg/rule` (or `pkg.rule`); each evaluates to `[{"result": value}]`. */
  entrypoints: string[];
  /** Arbitrary queries; each result is an object of the query's variable bindings. */
  queries?: QueryInput[];
  /**
   * 'opa' (default): a failing builtin call is undefined, like OPA without
   * --strict-builtin-errors. 'strict': it halts the evaluation with its error code.
   */
  builtinErrors?: 'opa' | 'strict';
  /** 'generated' (default) optimises the policy's functions; 'none' skips binaryen's optimiser (tests). */
  optimize?: 'generated' | 'none';
  /** Builtins the host supplies to loadPolicy (e.g. time.now_ns); called through the SDK. */
  externalBuiltins?: string[];
  /** Keep print() and trace() calls; their lines go to the SDK's opa_println (console.log). */
  print?: boolean;
}

export interface PlanOutput {
  policy?: Policy;
  diagnostics: Diagnostic[];
}

export interface CompileOutput {
  wasm?: Uint8Array;
  policy?: Policy;
  diagnostics: Diagnostic[];
}

const QUERY_PACKAGE = '__warden_query__';

/** Parses, checks and plans. Synchronous and cheap (no binaryen); never throws. */
export function planSources(opts: CompileOptions): PlanOutput {
  const diagnostics: Diagnostic[] = [];
  const parsed: Module[] = [];
  for (const m of opts.modules) {
    const r = parseModule(m.source, m.file);
    diagnostics.push(...r.diagnostics);
    if (r.module) parsed.push(r.module);
  }
  // Queries are parsed as the body of a rule in a synthetic module, so that the checks order
  // and rewrite them like any body; the synthetic module is dropped before planning. The checks
  // rename local variables, so the rule's head lists the query's variables (as written) in
  // order: after the checks it holds their new names.
  const queryFiles: string[] = [];
  const queryNames: string[][] = [];
  for (const q of opts.queries ?? []) {
    const file = `<query ${q.name}>`;
    queryFiles.push(file);
    const first = parseModule(`package ${QUERY_PACKAGE}\n__query__ if {\n${q.query}\n}\n`, file);
    for (const d of first.diagnostics) diagnostics.push({ ...d, row: Math.max(1, d.row - 2) });
    const body = first.module?.rules[0]?.body;
    const names = body ? queryVars(body) : [];
    queryNames.push(names);
    if (!body) continue;
    const src = `package ${QUERY_PACKAGE}\n__query__ contains [${names.join(', ')}] if {\n${q.query}\n}\n`;
    const r = parseModule(src, file);
    for (const d of r.diagnostics) diagnostics.push({ ...d, row: Math.max(1, d.row - 2) });
    if (r.module) parsed.push(r.module);
  }
  if (diagnostics.length > 0) return { diagnostics };
  const checked = checkQueriesWithModules(parsed, queryFiles);
  if (checked.diagnostics.length > 0) return { diagnostics: checked.diagnostics.map((d) => (queryFiles.includes(d.file) ? { ...d, row: Math.max(1, d.row - 2) } : d)) };

  const modules = checked.modules.filter((m) => !queryFiles.includes(m.file));
  const queries: QuerySpec[] = [];
  for (const [i, q] of (opts.queries ?? []).entries()) {
    const m = checked.modules.find((x) => x.file === queryFiles[i]);
    const rule = m?.rules[0];
    const key = rule?.head.key;
    if (!rule || !key || key.value.type !== 'array') {
      return { diagnostics: [diagnostic('rego_parse_error', { file: queryFiles[i] ?? '<query>', row: 1, col: 1 }, 'invalid query')] };
    }
    const terms = key.value.items;
    const names = queryNames[i] ?? [];
    queries.push({ name: q.name, body: rule.body, vars: names.map((name, j) => ({ name, term: terms[j] })).filter((v): v is { name: string; term: Term } => v.term !== undefined) });
  }
  const planned = planPolicy(modules, { entrypoints: opts.entrypoints, queries, print: opts.print });
  return planned;
}

/**
 * Checks policy modules and query modules together. A query that reads all of `data` looks like
 * a rule depending on itself to the recursion check; then the policy is checked alone and each
 * query alone (its calls of policy functions are resolved by the planner instead).
 */
function checkQueriesWithModules(parsed: Module[], queryFiles: string[]): { modules: Module[]; diagnostics: Diagnostic[] } {
  const all = checkModules(parsed);
  const selfRef = (d: Diagnostic): boolean => queryFiles.includes(d.file) && d.code === 'rego_recursion_error' && d.message.includes(QUERY_PACKAGE);
  if (all.diagnostics.length === 0 || !all.diagnostics.every(selfRef)) return all;
  const policy = checkModules(parsed.filter((m) => !queryFiles.includes(m.file)));
  if (policy.diagnostics.length > 0) return policy;
  const modules = [...policy.modules];
  for (const m of parsed.filter((x) => queryFiles.includes(x.file))) {
    const q = checkModules([m]);
    const real = q.diagnostics.filter((d) => !/^undefined function data\./.test(d.message) && !selfRef(d));
    if (real.length > 0) return { modules, diagnostics: real };
    modules.push(...q.modules);
  }
  return { modules, diagnostics: [] };
}

/** Builtins left out on purpose, with the reason the error gives. */
const WITHHELD: Record<string, string> = {
  'http.send': 'a policy never does I/O',
  'net.lookup_ip_addr': 'a policy never does I/O (DNS lookups included)',
};

/** Compiles Rego sources to an OPA-ABI policy.wasm. Never throws for bad input. */
export async function compile(opts: CompileOptions): Promise<CompileOutput> {
  const planned = planSources(opts);
  if (!planned.policy) return { diagnostics: planned.diagnostics };
  // The emitter loads binaryen (slow to import): only when a wasm module is really wanted.
  const emitter = await import('./emit/index.ts');
  const missing = await emitter.missingBuiltins(planned.policy, opts.externalBuiltins ?? []);
  if (missing.length > 0) {
    return {
      policy: planned.policy,
      diagnostics: missing.map((m) => diagnostic('rego_type_error', m.location ?? { file: opts.modules[0]?.file ?? '<policy>', row: 1, col: 1 },
        WITHHELD[m.name] ? `builtin ${m.name} is not implemented: ${WITHHELD[m.name]}` : `builtin ${m.name} is not implemented by the WASM runtime`)),
    };
  }
  try {
    const wasm = await emitter.emitWasm(planned.policy, { builtinErrors: opts.builtinErrors, optimize: opts.optimize, externalBuiltins: opts.externalBuiltins });
    return { wasm, policy: planned.policy, diagnostics: [] };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = e instanceof emitter.EmitError ? e.location : undefined;
    return {
      policy: planned.policy,
      diagnostics: [diagnostic('rego_compile_error', at ?? { file: opts.modules[0]?.file ?? '<policy>', row: 1, col: 1 },
        `wasm emit failed: ${e instanceof emitter.EmitError ? e.bare : message}`)],
    };
  }
}

export interface BundleOptions {
  modules: SourceFile[];
  entrypoints: string[];
  /** The bundle's data.json (an object; {} when omitted). */
  data?: Record<string, unknown>;
  revision?: string;
}

export interface BundleOutput {
  /** The OPA bundle (.tar.gz): /.manifest, /policy.wasm, /data.json. */
  bundle?: Buffer;
  wasm?: Uint8Array;
  diagnostics: Diagnostic[];
}

/** Compiles the modules and packs an OPA bundle, as `opa build -t wasm -e … ` does. */
export async function buildBundle(opts: BundleOptions): Promise<BundleOutput> {
  const entrypoints = opts.entrypoints.map((e) => e.replace(/^data[./]/, '').replace(/\./g, '/'));
  const r = await compile({ modules: opts.modules, entrypoints });
  if (!r.wasm) return { diagnostics: r.diagnostics };
  const { packBundle } = await import('../../wire/src/bundle-archive.ts');
  const manifest = {
    revision: opts.revision ?? '',
    roots: [''],
    wasm: entrypoints.map((entrypoint) => ({ entrypoint, module: '/policy.wasm' })),
  };
  const files = new Map<string, Buffer>([
    ['.manifest', Buffer.from(JSON.stringify(manifest))],
    ['policy.wasm', Buffer.from(r.wasm)],
    ['data.json', Buffer.from(JSON.stringify(opts.data ?? {}))],
  ]);
  return { bundle: packBundle(files), wasm: r.wasm, diagnostics: [] };
}
