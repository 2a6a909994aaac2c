// Public API of the compiler: Rego sources → checks → plan (IR) → policy.wasm, plus an OPA
// bundle. Problems come back as diagnostics with file:line:col; nothing here throws for bad input.

import type { Body, Module } from './ast.ts';
import { diagnostic, type Diagnostic } from './diagnostics.ts';
import { checkModules, parseModule } from './frontend.ts';
import type { Policy } from './ir/types.ts';
import { planPolicy, queryVars } from './planner/index.ts';

export type { Diagnostic } from './diagnostics.ts';
export { formatDiagnostic } from './diagnostics.ts';

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
const EMITTER = './emit/index.ts';

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
  // them safely too; the synthetic module is dropped before planning.
  const queryFiles: string[] = [];
  for (const q of opts.queries ?? []) {
    const file = `<query ${q.name}>`;
    queryFiles.push(file);
    const src = `package ${QUERY_PACKAGE}\n__query__ if {\n${q.query}\n}\n`;
    const r = parseModule(src, file);
    for (const d of r.diagnostics) diagnostics.push({ ...d, row: Math.max(1, d.row - 2) });
    if (r.module) parsed.push(r.module);
  }
  if (diagnostics.length > 0) return { diagnostics };
  const checked = checkModules(parsed);
  if (checked.diagnostics.length > 0) return { diagnostics: checked.diagnostics.map((d) => (queryFiles.includes(d.file) ? { ...d, row: Math.max(1, d.row - 2) } : d)) };

  const modules = checked.modules.filter((m) => !queryFiles.includes(m.file));
  const queries: { name: string; body: Body; vars: string[] }[] = [];
  for (const [i, q] of (opts.queries ?? []).entries()) {
    const m = checked.modules.find((x) => x.file === queryFiles[i]);
    const body = m?.rules[0]?.body;
    if (!body) return { diagnostics: [diagnostic('rego_parse_error', { file: queryFiles[i] ?? '<query>', row: 1, col: 1 }, 'empty query')] };
    queries.push({ name: q.name, body, vars: queryVars(body) });
  }
  const planned = planPolicy(modules, { entrypoints: opts.entrypoints, queries });
  return planned;
}

/** Compiles Rego sources to an OPA-ABI policy.wasm. Never throws for bad input. */
export async function compile(opts: CompileOptions): Promise<CompileOutput> {
  const planned = planSources(opts);
  if (!planned.policy) return { diagnostics: planned.diagnostics };
  try {
    // The emitter loads binaryen (slow to import): only when a wasm module is really wanted.
    const emitter = (await import(EMITTER)) as { emitWasm(p: Policy): Promise<Uint8Array> };
    const wasm = await emitter.emitWasm(planned.policy);
    return { wasm, policy: planned.policy, diagnostics: [] };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      policy: planned.policy,
      diagnostics: [diagnostic('rego_compile_error', { file: opts.modules[0]?.file ?? '<policy>', row: 1, col: 1 }, `wasm emit failed: ${message}`)],
    };
  }
}
