// Declaration merging for what the core adds to Fastify: the authenticated principal on each request
// and the per-route `config.auth` every route declares.
import type { Principal } from './auth/principal.ts';
import type { Role } from './store/types.ts';

/**
 * Who may call a route:
 *  - 'public'  no credential (only /healthz and the OpenAPI document)
 *  - 'enroll'  no credential header; the body carries a secret (enroll secret, one-time enroll token,
 *              or a login password) and the route is rate limited per client address
 *  - 'device'  an enrolled device's credential (the default when a route declares nothing)
 *  - Role[]    an admin API token whose user has one of these roles
 */
export type RouteAuth = 'public' | 'enroll' | 'device' | readonly Role[];

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
}
