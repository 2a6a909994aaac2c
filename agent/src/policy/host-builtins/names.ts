// The builtins a compiled policy calls out to the host for, by name only: the compiler (server's
// compile child, `warden policy`) lets a policy call these, and every place a policy runs supplies
// them from ./index.ts. Kept apart from the implementations so the compiler never loads them.

/** io.jwt.* with asymmetric keys, decode_verify (needs the clock) and encode_sign*: ./jwt.ts. */
export const JWT_BUILTIN_NAMES = [
  'io.jwt.verify_rs256', 'io.jwt.verify_rs384', 'io.jwt.verify_rs512',
  'io.jwt.verify_ps256', 'io.jwt.verify_ps384', 'io.jwt.verify_ps512',
  'io.jwt.verify_es256', 'io.jwt.verify_es384', 'io.jwt.verify_es512',
  'io.jwt.verify_eddsa', 'io.jwt.decode_verify', 'io.jwt.encode_sign', 'io.jwt.encode_sign_raw',
] as const;

/** crypto.x509.* and crypto.parse_private_keys: ./x509.ts. */
export const X509_BUILTIN_NAMES = [
  'crypto.x509.parse_certificates', 'crypto.x509.parse_and_verify_certificates', 'crypto.x509.parse_and_verify_certificates_with_options',
  'crypto.x509.parse_certificate_request', 'crypto.x509.parse_rsa_private_key', 'crypto.parse_private_keys', 'crypto.x509.parse_keypair',
] as const;

/** Per-evaluation random values: ./random.ts. */
export const RANDOM_BUILTIN_NAMES = ['rand.intn', 'uuid.rfc4122'] as const;

/** regex.globs_match (glob intersection): ./globs.ts. */
export const GLOB_BUILTIN_NAMES = ['regex.globs_match'] as const;

/**
 * Builtins the SDK implements too, whose host version gives OPA's answer (./yaml.ts: invalid YAML is
 * an error with go-yaml's message, not a silent undefined). A module compiled with strict builtin
 * errors names them `host:<name>` (SHADOW_PREFIX) in its builtins() table, since the SDK looks its
 * own up first; in OPA's default mode (an error is undefined either way) it calls the SDK's.
 */
export const SDK_SHADOW_BUILTIN_NAMES = ['yaml.unmarshal'] as const;
export const SHADOW_PREFIX = 'host:';

/** Builtins with inline implementations in ./index.ts. */
export const INLINE_BUILTIN_NAMES = [
  'time.now_ns',
  // Not a Rego builtin: the policy runtime asks it for zones beyond its own table (./tz.ts).
  'warden.tz_offset',
  'graphql.parse', 'graphql.parse_and_verify', 'graphql.parse_query', 'graphql.parse_schema', 'graphql.is_valid', 'graphql.schema_is_valid',
] as const;

export const HOST_BUILTIN_NAMES = [
  ...INLINE_BUILTIN_NAMES,
  ...JWT_BUILTIN_NAMES,
  ...X509_BUILTIN_NAMES,
  ...RANDOM_BUILTIN_NAMES,
  ...GLOB_BUILTIN_NAMES,
  ...SDK_SHADOW_BUILTIN_NAMES,
  'providers.aws.sign_req',
] as const;

export type HostBuiltinName = (typeof HOST_BUILTIN_NAMES)[number];
export type InlineBuiltinName = (typeof INLINE_BUILTIN_NAMES)[number];
