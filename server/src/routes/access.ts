// Admin access: password login (→ a 12-hour API token), API tokens, users and roles, enroll tokens
// and the fleet enroll secret. Secrets are shown once, stored as scrypt hashes, never logged.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ADMIN_ROLES, READ_ROLES, type Principal } from '../auth/principal.ts';
import { hashSecret, mintCredential, newId, newSecret, verifySecret } from '../auth/secrets.ts';
import { HttpError, conflict, notFound, tooManyFailures } from '../http-error.ts';
import { CreateEnrollToken, CreateToken, CreateUser, ErrorReply, IdParam, LoginRequest, PatchUser, type CreateEnrollToken as EnrollTokenBody, type CreateToken as TokenBody, type CreateUser as UserBody, type IdParam as Id, type LoginRequest as LoginBody, type PatchUser as PatchBody } from '../schemas/api.ts';
import type { Repository, Role, User } from '../store/types.ts';
import { isUniqueViolation } from '../store/sql-driver.ts';
import { ENROLL_SECRET_SETTING } from './enroll.ts';
import { userDto } from './dto.ts';
import type { RouteContext } from './context.ts';
import type { WardenCore } from '../app.ts';

const LOGIN_TTL_MS = 12 * 3600_000;
const DAY_MS = 24 * 3600_000;

type UserPrincipal = Extract<Principal, { kind: 'user' }>;
const userOf = (req: FastifyRequest): UserPrincipal => {
  if (req.principal?.kind !== 'user') throw new HttpError(401, 'unauthorized', 'an API token is required');
  return req.principal;
};

/** Issues an API token for a user; returns the token string (shown once). */
export async function issueApiToken(store: Repository, userId: string, name: string, expiresAt: number | null, at: number): Promise<{ id: string; token: string }> {
  const c = mintCredential('api');
  await store.createApiToken({ id: c.id, userId, name, secretHash: await hashSecret(c.secret, 'random'), createdAt: at, expiresAt, revokedAt: null });
  return { id: c.id, token: c.token };
}

/** Creates a user; used by the API and by `warden server start` to bootstrap the first admin. */
export async function createUser(store: Repository, username: string, role: Role, password: string, at: number): Promise<string> {
  const id = newId();
  await store.createUser({ id, username, role, passwordHash: await hashSecret(password, 'password'), createdAt: at, disabled: false });
  return id;
}

/** Sets a new fleet enroll secret and returns it (shown once). */
export async function rotateEnrollSecret(store: Repository): Promise<string> {
  const secret = newSecret();
  await store.setSetting(ENROLL_SECRET_SETTING, await hashSecret(secret, 'random'));
  return secret;
}

/**
 * The user when the password is right and the account enabled; else audits the failure and throws 401.
 * Over a guessing limit (auth/failure-limiter.ts) the password is not even checked: 429, which is what
 * stops guessing. Shared by API login and console sign-in, so both count against the same limits.
 */
export async function checkPassword(core: Pick<WardenCore, 'store' | 'authLimits' | 'metrics'>, username: string, password: string, ip: string, at: number): Promise<User> {
  const { store, authLimits, metrics } = core;
  const wait = authLimits.loginBlockedFor(ip, username);
  if (wait > 0) {
    metrics.authThrottled.inc({ route: 'login' });
    throw tooManyFailures(wait, `too many failed logins for this user or from ${ip}`);
  }
  const u = await store.getUserByName(username);
  // Verify against a dummy hash for unknown users so timing does not reveal which names exist.
  const ok = await verifySecret(password, u?.passwordHash ?? DUMMY_HASH);
  if (!u || !ok || u.disabled) {
    authLimits.loginFailed(ip, username);
    await store.appendAudit({ at, actor: `user:${username}`, action: 'auth.login_failed', target: `user:${username}`, detail: {}, ip });
    throw new HttpError(401, 'bad_credentials', 'unknown user or wrong password');
  }
  authLimits.loginSucceeded(ip, username);
  return u;
}

export async function accessRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, now, auth } = core;
  const tags = ['access'];

  app.post<{ Body: LoginBody }>(
    '/api/v1/auth/login',
    { config: { auth: 'enroll' }, schema: { tags, security: [], description: 'Password login: returns an API token valid for 12 hours (failed attempts are limited per user and address)', body: LoginRequest, response: { '4xx': ErrorReply } } },
    async (req) => {
      const u = await checkPassword(core, req.body.username, req.body.password, req.ip, now());
      const expiresAt = now() + LOGIN_TTL_MS;
      const t = await issueApiToken(store, u.id, 'login', expiresAt, now());
      await store.appendAudit({ at: now(), actor: `user:${u.username}`, action: 'auth.login', target: `token:${t.id}`, detail: {}, ip: req.ip });
      return { token: t.token, token_id: t.id, role: u.role, expires_at: new Date(expiresAt).toISOString() };
    },
  );

  app.get('/api/v1/auth/whoami', { config: { auth: READ_ROLES }, schema: { tags, description: 'The user behind this token' } }, async (req) => {
    const p = userOf(req);
    return { user_id: p.userId, username: p.username, role: p.role, token_id: p.tokenId };
  });

  // ---- users (admin only)
  app.get('/api/v1/users', { config: { auth: ADMIN_ROLES }, schema: { tags } }, async () => ({ users: (await store.listUsers()).map(userDto) }));

  app.post<{ Body: UserBody }>('/api/v1/users', { config: { auth: ADMIN_ROLES }, schema: { tags, body: CreateUser } }, async (req, reply) => {
    try {
      const id = await createUser(store, req.body.username, req.body.role, req.body.password, now());
      await core.audit(req, 'user.create', `user:${req.body.username}`, { role: req.body.role });
      return reply.code(201).send(userDto((await store.getUserById(id))!));
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(`user '${req.body.username}' already exists`);
      throw err;
    }
  });

  app.patch<{ Params: Id; Body: PatchBody }>('/api/v1/users/:id', { config: { auth: ADMIN_ROLES }, schema: { tags, params: IdParam, body: PatchUser } }, async (req) => {
    const p = userOf(req);
    if (req.params.id === p.userId && (req.body.disabled === true || (req.body.role !== undefined && req.body.role !== 'admin'))) {
      throw conflict('an admin cannot disable or demote themselves (ask another admin)');
    }
    const patch: { role?: Role; disabled?: boolean; passwordHash?: string } = {};
    if (req.body.role !== undefined) patch.role = req.body.role;
    if (req.body.disabled !== undefined) patch.disabled = req.body.disabled;
    if (req.body.password !== undefined) patch.passwordHash = await hashSecret(req.body.password, 'password');
    if (!(await store.getUserById(req.params.id))) throw notFound(`no user ${req.params.id}`);
    // A password reset or a disable ends every session and API token of the user: whoever held the old
    // password (or a token minted with it) is out, and re-enabling the account does not bring them back.
    // Revoked before the change is stored, so a failure in between errs on the side of locking out.
    const revokeAll = req.body.password !== undefined || req.body.disabled === true;
    const tokensRevoked = revokeAll ? await store.revokeUserTokens(req.params.id, now()) : 0;
    if (!(await store.updateUser(req.params.id, patch))) throw notFound(`no user ${req.params.id}`);
    await auth.revoke({ kind: 'user', id: req.params.id });
    await core.audit(req, 'user.update', `user:${req.params.id}`, { role: req.body.role ?? null, disabled: req.body.disabled ?? null, password_changed: req.body.password !== undefined, tokens_revoked: tokensRevoked });
    return userDto((await store.getUserById(req.params.id))!);
  });

  // ---- API tokens: every user manages their own; admins see and revoke all
  app.get('/api/v1/tokens', { config: { auth: READ_ROLES }, schema: { tags } }, async (req) => {
    const p = userOf(req);
    const list = await store.listApiTokens(p.role === 'admin' ? undefined : p.userId);
    return { tokens: list.map((t) => ({ id: t.id, user_id: t.userId, name: t.name, created_at: new Date(t.createdAt).toISOString(), expires_at: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(), revoked: t.revokedAt !== null })) };
  });

  app.post<{ Body: TokenBody }>('/api/v1/tokens', { config: { auth: READ_ROLES }, schema: { tags, description: 'Create an API token for yourself (shown once)', body: CreateToken } }, async (req, reply) => {
    const p = userOf(req);
    const expiresAt = req.body.expires_in_days ? now() + req.body.expires_in_days * DAY_MS : null;
    const t = await issueApiToken(store, p.userId, req.body.name, expiresAt, now());
    await core.audit(req, 'token.create', `token:${t.id}`, { name: req.body.name, expires_at: expiresAt });
    return reply.code(201).send({ id: t.id, token: t.token, expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString() });
  });

  app.delete<{ Params: Id }>('/api/v1/tokens/:id', { config: { auth: READ_ROLES }, schema: { tags, params: IdParam } }, async (req) => {
    const p = userOf(req);
    const t = await store.getApiToken(req.params.id);
    if (!t || (t.userId !== p.userId && p.role !== 'admin')) throw notFound(`no token ${req.params.id}`);
    if (!(await store.revokeApiToken(t.id, now()))) throw conflict('token already revoked');
    await auth.revoke({ kind: 'token', id: t.id });
    await core.audit(req, 'token.revoke', `token:${t.id}`);
    return { revoked: true };
  });

  // ---- enrollment credentials (admin only)
  app.post<{ Body: EnrollTokenBody }>('/api/v1/enroll-tokens', { config: { auth: ADMIN_ROLES }, schema: { tags, description: 'One-time enroll token (shown once)', body: CreateEnrollToken } }, async (req, reply) => {
    const p = userOf(req);
    const c = mintCredential('enroll');
    const expiresAt = now() + (req.body.expires_in_hours ?? 72) * 3600_000;
    await store.createEnrollToken({ id: c.id, secretHash: await hashSecret(c.secret, 'random'), createdBy: p.username, createdAt: now(), expiresAt, usedAt: null, usedByDevice: null, note: req.body.note });
    await core.audit(req, 'enroll_token.create', `enroll-token:${c.id}`, { note: req.body.note, expires_at: expiresAt });
    return reply.code(201).send({ id: c.id, token: c.token, expires_at: new Date(expiresAt).toISOString() });
  });

  app.get('/api/v1/enroll-tokens', { config: { auth: ADMIN_ROLES }, schema: { tags } }, async () => ({
    enroll_tokens: (await store.listEnrollTokens()).map((t) => ({ id: t.id, created_by: t.createdBy, created_at: new Date(t.createdAt).toISOString(), expires_at: new Date(t.expiresAt).toISOString(), used_at: t.usedAt === null ? null : new Date(t.usedAt).toISOString(), used_by_device: t.usedByDevice, note: t.note })),
  }));

  app.post('/api/v1/enroll-secret', { config: { auth: ADMIN_ROLES }, schema: { tags, description: 'Rotate the fleet enroll secret (the old one stops working; shown once)' } }, async (req) => {
    const secret = await rotateEnrollSecret(store);
    await core.audit(req, 'enroll_secret.rotate', 'enroll-secret');
    return { enroll_secret: secret };
  });
}

// scrypt of a random string nobody knows: makes failed logins for unknown users cost the same.
const DUMMY_HASH = await hashSecret(newSecret(), 'password');
