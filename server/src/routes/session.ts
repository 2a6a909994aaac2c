// Console sign-in and sign-out (see auth/session.ts for the cookie and CSRF rules). Signing in checks
// the password like POST /api/v1/auth/login and issues the same kind of 12-hour API token, but hands
// it to the browser only as an HttpOnly cookie; the answer carries the CSRF token instead.
import type { FastifyInstance } from 'fastify';
import { READ_ROLES } from '../auth/principal.ts';
import { SESSION_TTL_MS, clearSessionCookie, crossSiteProblem, csrfTokenFor, sessionTokenOf, setSessionCookie } from '../auth/session.ts';
import { HttpError } from '../http-error.ts';
import { ErrorReply, LoginRequest, type LoginRequest as LoginBody } from '../schemas/api.ts';
import { checkPassword, issueApiToken } from './access.ts';
import type { RouteContext } from './context.ts';

export async function sessionRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, now, auth } = core;
  const tags = ['access'];
  const parse = (h: string) => app.parseCookie(h);

  app.post<{ Body: LoginBody }>(
    '/api/v1/auth/session',
    {
      config: { auth: 'enroll' },
      schema: { tags, security: [], description: 'Console sign-in: sets an HttpOnly session cookie (12 hours) and returns the CSRF token for state changes', body: LoginRequest, response: { '4xx': ErrorReply } },
    },
    async (req, reply) => {
      // A sign-in form posted from another site would sign the browser into the attacker's account.
      const problem = crossSiteProblem(req);
      if (problem) throw new HttpError(403, 'csrf', `sign-in refused: ${problem}`);
      const u = await checkPassword(core, req.body.username, req.body.password, req.ip, now());
      const expiresAt = now() + SESSION_TTL_MS;
      const t = await issueApiToken(store, u.id, 'console session', expiresAt, now());
      await store.appendAudit({ at: now(), actor: `user:${u.username}`, action: 'auth.session', target: `token:${t.id}`, detail: {}, ip: req.ip });
      setSessionCookie(req, reply, t.token, SESSION_TTL_MS);
      return { username: u.username, role: u.role, csrf_token: csrfTokenFor(t.token), expires_at: new Date(expiresAt).toISOString() };
    },
  );

  app.get('/api/v1/auth/session', { config: { auth: READ_ROLES }, schema: { tags, description: 'The signed-in user, and the CSRF token when signed in with the session cookie' } }, async (req) => {
    const p = req.principal;
    if (p?.kind !== 'user') throw new HttpError(401, 'unauthorized', 'not signed in');
    const token = req.headers.authorization === undefined ? sessionTokenOf(req, parse) : null;
    const t = await store.getApiToken(p.tokenId);
    return { username: p.username, role: p.role, csrf_token: token ? csrfTokenFor(token) : null, expires_at: t?.expiresAt ? new Date(t.expiresAt).toISOString() : null };
  });

  app.delete('/api/v1/auth/session', { config: { auth: READ_ROLES }, schema: { tags, description: 'Sign out: revokes the session token and clears the cookie' } }, async (req, reply) => {
    const p = req.principal;
    if (p?.kind !== 'user') throw new HttpError(401, 'unauthorized', 'not signed in');
    if (req.headers.authorization !== undefined || sessionTokenOf(req, parse) === null) {
      throw new HttpError(400, 'bad_request', 'sign-out ends a console session (cookie); revoke an API token with DELETE /api/v1/tokens/:id');
    }
    await store.revokeApiToken(p.tokenId, now());
    await auth.revoke({ kind: 'token', id: p.tokenId });
    await core.audit(req, 'auth.logout', `token:${p.tokenId}`);
    clearSessionCookie(req, reply);
    return { signed_out: true };
  });
}
