// The builtins a compiled policy calls out to the host for, by name only: the compiler (server's
// compile child, `warden policy`) lets a policy call these, and every place a policy runs supplies
// them from ./index.ts. Kept apart from the implementations so the compiler never loads them.
export const HOST_BUILTIN_NAMES = [
  'time.now_ns',
  'graphql.parse', 'graphql.parse_and_verify', 'graphql.parse_query', 'graphql.parse_schema', 'graphql.is_valid', 'graphql.schema_is_valid',
] as const;

export type HostBuiltinName = (typeof HOST_BUILTIN_NAMES)[number];
