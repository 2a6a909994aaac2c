// The builtins a compiled policy calls out to the host for, by name only: the compiler (server's
// compile child, `warden policy`) lets a policy call these, and every place a policy runs supplies
// them from ./index.ts. Kept apart from the implementations so the compiler never loads them.
export const HOST_BUILTIN_NAMES = ['time.now_ns'] as const;

export type HostBuiltinName = (typeof HOST_BUILTIN_NAMES)[number];
