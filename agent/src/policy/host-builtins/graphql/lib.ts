// graphql-js (the GraphQL reference implementation), for validation (schemas and queries against
// them), loaded on the first validation only: a policy that never validates never loads the library
// (lexing and parsing are ./lexer.ts and ./parse.ts). Under tsx or plain node it is
// node_modules/graphql. The agent bundle (scripts/build-agent.js) does not hold it — that would add
// its source text to every agent's resident memory — but ships it beside itself as
// build/warden-graphql.cjs, which the bundle names through WARDEN_GRAPHQL_SIDECAR (an esbuild define).
import { createRequire } from 'node:module';

export type GraphQL = typeof import('graphql');

declare const WARDEN_GRAPHQL_SIDECAR: string | undefined;

let lib: GraphQL | undefined;

/** Whether graphql-js has been loaded in this process (tests check that policies without graphql never load it). */
export function graphqlLoaded(): boolean {
  return lib !== undefined;
}

/**
 * Thrown when graphql-js cannot be loaded (an install without build/warden-graphql.cjs): not a
 * builtin error of the policy, so it is never turned into undefined or "not valid".
 */
export class GraphQLUnavailableError extends Error {
  readonly hostUnavailable = true;
  constructor(message: string) {
    super(message);
    this.name = 'GraphQLUnavailableError';
  }
}

export function graphql(): GraphQL {
  if (lib === undefined) {
    const target = typeof WARDEN_GRAPHQL_SIDECAR === 'string' ? WARDEN_GRAPHQL_SIDECAR : 'graphql';
    try {
      lib = createRequire(import.meta.url)(target) as GraphQL;
    } catch (e) {
      throw new GraphQLUnavailableError(`graphql builtins: cannot load graphql-js (${target}): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return lib;
}
