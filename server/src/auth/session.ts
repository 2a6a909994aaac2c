// Console sessions: the browser holds an API token (issued at sign-in, 12 hours) in a cookie that
// scripts cannot read (HttpOnly), that no other site's request carries (SameSite=Strict), sent only
// over TLS when served over TLS (Secure, and then the __Host- prefix: no Domain, Path=/). Nothing
// secret ever travels in a URL.
//
// CSRF, on every state change made with the cookie (any method but GET/HEAD/OPTIONS):
//  - the request must carry `x-warden-csrf`, an HMAC of the session token that the console gets from
//    the sign-in answer or GET /api/v1/auth/session (other sites can neither read the cookie nor those
//    answers), and
//  - its Origin must be this server's own origin (browsers always send Origin on such requests), and a
//    Sec-Fetch-Site, when sent, must say same-origin.
// API clients that send `Authorization: Bearer …` are not cookie-authenticated and need neither.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_TTL_MS = 12 * 3600_000;
export const CSRF_HEADER = 'x-warden-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isTls(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

/** Over TLS the cookie gets the __Host- prefix, which browsers accept only with Secure, Path=/ and no Domain. */
export function sessionCookieName(tls: boolean): string {
  return tls ? '__Host-warden-session' : 'warden-session';
}

/** The CSRF token bound to a session token (stateless: recomputed from the cookie on each request). */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('warden console csrf v1').digest('base64url');
}

type CookieParser = (header: string) => Record<string, string | undefined>;

/** The session token in the request's cookie, or null. Only the cookie name for this transport counts. */
export function sessionTokenOf(req: FastifyRequest, parse: CookieParser): string | null {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length === 0) return null;
  const v = parse(header)[sessionCookieName(isTls(req))];
  return typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null;
}

/** This server's origin as the browser sees it (scheme + Host header). */
function ownOrigin(req: FastifyRequest): string | null {
  const host = req.headers.host;
  return typeof host === 'string' && host.length > 0 ? `${isTls(req) ? 'https' : 'http'}://${host}` : null;
}

/** Why a browser request is not provably from this server's own pages, or null when it is. */
export function crossSiteProblem(req: FastifyRequest): string | null {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin') return `Sec-Fetch-Site is '${site}', not same-origin`;
  const origin = req.headers.origin;
  const own = ownOrigin(req);
  if (typeof origin !== 'string') return 'the Origin header is missing';
  if (origin !== own) return `Origin ${origin} is not this server (${own ?? 'no Host header'})`;
  return null;
}

/** CSRF check for a cookie-authenticated request: null when it may proceed, else the reason. */
export function csrfProblem(req: FastifyRequest, sessionToken: string): string | null {
  if (SAFE_METHODS.has(req.method)) return null;
  const sent = req.headers[CSRF_HEADER];
  const want = Buffer.from(csrfTokenFor(sessionToken));
  if (typeof sent !== 'string' || sent.length !== want.length || !timingSafeEqual(Buffer.from(sent), want)) return `the ${CSRF_HEADER} header is missing or wrong`;
  return crossSiteProblem(req);
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number): void {
  const tls = isTls(req);
  void reply.setCookie(sessionCookieName(tls), token, { path: '/', httpOnly: true, sameSite: 'strict', secure: tls, maxAge: Math.floor(maxAgeMs / 1000) });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  const tls = isTls(req);
  void reply.clearCookie(sessionCookieName(tls), { path: '/', httpOnly: true, sameSite: 'strict', secure: tls });
}
