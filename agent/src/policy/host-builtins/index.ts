// Builtins the policy's WASM module calls out for (opa-wasm's custom builtins), for what the WASM
// runtime cannot hold. Each is a function of its arguments (or the clock) only: no file, network,
// process or environment access, so the policy stays sandboxed. One table for every place a policy
// runs — the agent, the server's evaluator (it runs the agent's engine), `warden policy eval|test`
// and the conformance run — so a policy that compiles runs the same everywhere.
import type { HostBuiltinName } from './names.ts';

export { HOST_BUILTIN_NAMES, type HostBuiltinName } from './names.ts';

/** Arguments arrive as JSON values; the return value goes back as JSON. Throwing = a builtin error. */
export type HostBuiltin = (...args: unknown[]) => unknown;

export const HOST_BUILTINS: Record<HostBuiltinName, HostBuiltin> = {
  // The host's clock: a sandboxed module cannot read it.
  'time.now_ns': (): number => Date.now() * 1e6,
};
