// Runs one conformance case for real: compile the modules and the query with warden's compiler,
// load the policy.wasm in the unmodified @open-policy-agent/opa-wasm SDK, set data, evaluate.

import { HOST_BUILTIN_NAMES, loadHostedPolicy } from '../../../agent/src/policy/host-builtins/index.ts';
import { compile, formatDiagnostic } from '../../../compiler/src/index.ts';
import { matchJson, matchRegorus, matchSortedBindings, matchUnordered } from './compare.ts';
import { VALUE_VAR, type Case } from './corpus.ts';
import { mismatch, parseRuntimeError } from './expect-error.ts';

export type Status = 'pass' | 'fail' | 'inexpressible' | 'skipped';

export interface Outcome {
  status: Status;
  detail?: string;
  /** The case expects an error (counted apart in the report). */
  wantsError?: boolean;
}

/** Diagnostics that mean "the compiler could not handle this", not "the policy is wrong". */
function isCompilerLimitation(message: string): boolean {
  return /internal|wasm emit failed|not supported|unsupported|not implemented/i.test(message);
}

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return String(e);
}

/** What regorus's harness records for one evaluation: the last result's bindings or value. */
function regorusResult(rs: unknown[], mode: Case['mode']): unknown[] {
  const last = rs[rs.length - 1] as Record<string, unknown> | undefined;
  if (!last) return [];
  if (mode === 'regorus-value') return VALUE_VAR in last ? [last[VALUE_VAR]] : [];
  return Object.keys(last).length > 0 ? [last] : [true];
}

export async function runCase(c: Case): Promise<Outcome> {
  const o = await runCaseInner(c);
  return c.expect.kind === 'error' ? { ...o, wantsError: true } : o;
}

async function runCaseInner(c: Case): Promise<Outcome> {
  if (c.skipped) return { status: 'skipped' };
  if (c.inexpressible) return { status: 'inexpressible', detail: c.inexpressible };
  const wantError = c.expect.kind === 'error';

  // OPA cases run like `opa eval` (builtin errors undefined) unless strict_error; regorus cases
  // like regorus, whose default is strict (`strict: false` cases run like OPA's default).
  const out = await compile({
    modules: c.modules.map((source, i) => ({ file: `case_${i}.rego`, source })),
    entrypoints: [],
    queries: [{ name: 'eval', query: c.query }],
    builtinErrors: c.strictError === true ? 'strict' : 'opa',
    externalBuiltins: [...HOST_BUILTIN_NAMES],
  });
  if (!out.wasm) {
    const msg = out.diagnostics.map(formatDiagnostic).join('; ');
    if (wantError && !out.diagnostics.some((d) => isCompilerLimitation(d.message))) {
      const why = out.diagnostics.map((d) => mismatch(c, { code: d.code, message: d.message }));
      if (why.some((w) => w === null)) return { status: 'pass' };
      return { status: 'fail', detail: `compile: ${why[0] ?? msg}` };
    }
    return { status: 'fail', detail: `compile: ${msg}` };
  }

  const results: unknown[] = [];
  try {
    const policy = await loadHostedPolicy(out.wasm);
    policy.setData(c.data as object);
    for (const input of c.inputs) {
      const rs = policy.evaluate(input) as unknown;
      if (!Array.isArray(rs)) return { status: 'fail', detail: `result set is not an array: ${JSON.stringify(rs)}` };
      if (c.corpus === 'regorus') results.push(...regorusResult(rs, c.mode));
      else results.push(...rs);
    }
  } catch (e) {
    const text = errorText(e);
    if (wantError) {
      const why = mismatch(c, parseRuntimeError(text));
      return why === null ? { status: 'pass' } : { status: 'fail', detail: `eval: ${why.slice(0, 300)}` };
    }
    return { status: 'fail', detail: `eval: ${text.slice(0, 300)}` };
  }
  if (c.expect.kind === 'error') return { status: 'fail', detail: `expected error ${c.expect.code ?? c.expect.message ?? ''}, got ${JSON.stringify(results).slice(0, 300)}` };

  const want = c.expect.values.filter((v) => v !== '#undefined');
  const ok =
    c.corpus === 'regorus'
      ? results.length === want.length && want.every((w, i) => matchRegorus(results[i], w))
      : matchUnordered(results, want, c.expect.sortBindings === true ? matchSortedBindings : matchJson);
  if (ok) return { status: 'pass' };
  return { status: 'fail', detail: `got ${JSON.stringify(results).slice(0, 300)}, want ${JSON.stringify(want).slice(0, 300)}` };
}
