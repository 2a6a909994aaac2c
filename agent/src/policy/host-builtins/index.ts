// Builtins the policy's WASM module calls out for (opa-wasm's custom builtins), for what the WASM
// runtime cannot hold. Each is a function of its arguments (or the clock) only: no file, network,
// process or environment access, so the policy stays sandboxed. One table for every place a policy
// runs — the agent, the server's evaluator (it runs the agent's engine), `warden policy eval|test`
// and the conformance run — so a policy that compiles runs the same everywhere.
import { GRAPHQL_BUILTINS } from './graphql/index.ts';
import type { HostBuiltinName } from './names.ts';

export { HOST_BUILTIN_NAMES, type HostBuiltinName } from './names.ts';

/** Arguments arrive as JSON values; the return value goes back as JSON. Throwing = a builtin error. */
export type HostBuiltin = (...args: unknown[]) => unknown;

const IMPLEMENTATIONS: Record<HostBuiltinName, HostBuiltin> = {
  // The host's clock: a sandboxed module cannot read it.
  'time.now_ns': (): number => Date.now() * 1e6,
  ...(GRAPHQL_BUILTINS as Record<keyof typeof GRAPHQL_BUILTINS, HostBuiltin>),
};

/**
 * The table for a module compiled with the given builtinErrors mode. A JS exception escapes the
 * WASM module whole, so the mode is applied here: under OPA's default ('opa') a builtin error makes
 * the call undefined; under 'strict' it ends the evaluation with `eval_builtin_error: <name>: <message>`.
 */
export function hostBuiltins(mode: 'opa' | 'strict'): Record<HostBuiltinName, HostBuiltin> {
  const table = {} as Record<HostBuiltinName, HostBuiltin>;
  for (const [name, impl] of Object.entries(IMPLEMENTATIONS) as [HostBuiltinName, HostBuiltin][]) {
    table[name] = (...args: unknown[]): unknown => {
      try {
        return impl(...args);
      } catch (e) {
        if (mode === 'opa') return undefined;
        throw new Error(`eval_builtin_error: ${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
  }
  return table;
}

/** For modules compiled with OPA's default builtin errors (every compile outside the conformance run). */
export const HOST_BUILTINS = hostBuiltins('opa');
