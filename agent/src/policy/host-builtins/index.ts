// Builtins the policy's WASM module calls out for (opa-wasm's custom builtins), for what the WASM
// runtime cannot hold. Each is a function of its arguments (or the clock) only: no file, network,
// process or environment access, so the policy stays sandboxed. One table for every place a policy
// runs — the agent, the server's evaluator (it runs the agent's engine), `warden policy eval|test`
// and the conformance run — so a policy that compiles runs the same everywhere. Every host loads a
// policy with loadHostedPolicy() and evaluates through it (./session.ts): builtin errors follow the
// module's builtinErrors mode, and each evaluation gets its own cache.
import { GRAPHQL_BUILTINS } from './graphql/index.ts';
import { GLOB_BUILTIN_NAMES, JWT_BUILTIN_NAMES, RANDOM_BUILTIN_NAMES, SDK_SHADOW_BUILTIN_NAMES, X509_BUILTIN_NAMES, type InlineBuiltinName } from './names.ts';
import { HostedPolicy, type HostImplementations, type HostTable } from './session.ts';
import { tzOffset } from './tz.ts';

export { HOST_BUILTIN_NAMES, type HostBuiltinName } from './names.ts';
export { HostedPolicy } from './session.ts';

/** Arguments arrive as JSON values; the return value goes back as JSON. Throwing = a builtin error. */
export type HostBuiltin = (...args: unknown[]) => unknown;

const IMPLEMENTATIONS: Record<InlineBuiltinName, HostBuiltin> = {
  // The host's clock: a sandboxed module cannot read it.
  'time.now_ns': (): number => Date.now() * 1e6,
  'warden.tz_offset': tzOffset,
  ...(GRAPHQL_BUILTINS as Record<keyof typeof GRAPHQL_BUILTINS, HostBuiltin>),
};

/** Heavier groups, each loaded only when a policy calling one of its builtins is loaded. */
const LAZY: [readonly string[], () => Promise<HostImplementations>][] = [
  [JWT_BUILTIN_NAMES, async () => (await import('./jwt.ts')).jwtBuiltins],
  [X509_BUILTIN_NAMES, async () => (await import('./x509.ts')).x509Builtins],
  [RANDOM_BUILTIN_NAMES, async () => (await import('./random.ts')).randomBuiltins],
  [GLOB_BUILTIN_NAMES, async () => (await import('./globs.ts')).globBuiltins],
  [['providers.aws.sign_req'], async () => (await import('./aws.ts')).awsBuiltins],
  [SDK_SHADOW_BUILTIN_NAMES, async () => {
    const { yamlUnmarshal } = await import('./yaml.ts');
    return () => ({ 'yaml.unmarshal': yamlUnmarshal });
  }],
];

const TABLE: HostTable = {
  sync: IMPLEMENTATIONS,
  lazy: new Map(LAZY.flatMap(([names, load]) => names.map((n) => [n, load] as const))),
};

/** Loads a compiled policy with the host builtins it calls; evaluate() through the result. */
export function loadHostedPolicy(wasm: Uint8Array): Promise<HostedPolicy> {
  return HostedPolicy.load(wasm, TABLE);
}
