// warden's central server: the Fastify app factory.
//
//   const store = await openStore({ dataDir });           // or { database: 'postgres://…' }
//   const app = await buildServer({ store });
//   await app.register(myRoutes, { …, authenticateDevice: app.warden.authenticateDevice });
//   await app.listen({ host: '127.0.0.1', port: 0 });
//
// Registering more routes (e.g. the bundle service and push in routes/bundles.ts, routes/push.ts):
// call app.register(plugin, opts) after buildServer() and before listen()/ready(). Every route
// declares who may call it in `config.auth` (see fastify-types.ts: 'public' | 'enroll' | 'device' |
// Role[]); a route that declares nothing requires a DEVICE credential, so nothing is ever open by
// accident. The hook sets `req.principal`. Ban-list changes are announced on
// `app.warden.banlist.on('change', ({ snapshot }) => …)` (snapshot.list is the data.json document).
//
// What the core guarantees on every route: schema validation (TypeBox / JSON Schema), a body size
// limit, gzip request bodies (Content-Encoding: gzip, limit applied after decompression), errors as
// { statusCode, error, message } and never a stack trace, Authorization headers redacted from logs.
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import cookie from '@fastify/cookie';
import { createGunzip } from 'node:zlib';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Readable } from 'node:stream';
import './fastify-types.ts';
import type { RouteAuth } from './fastify-types.ts';
import { HttpError } from './http-error.ts';
import { Authenticator } from './auth/authenticator.ts';
import { AuthFailureLimits, type AuthLimits } from './auth/failure-limiter.ts';
import { actorName, type Principal } from './auth/principal.ts';
import { csrfProblem, sessionTokenOf } from './auth/session.ts';
import type { Repository } from './store/types.ts';
import { BanlistService } from './banlist/service.ts';
import { GroupStore } from './groups/store.ts';
import type { SqlDriver } from './store/sql-driver.ts';
import { Metrics } from './metrics.ts';
import type { PolicyEvaluator } from './policy/evaluator.ts';
import { coreRoutes } from './routes/index.ts';
import { consoleRoutes } from './console/static.ts';
import { ToolCatalog } from './catalog.ts';
import { Integrations, type IntegrationOptions } from './integrations/service.ts';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const bodyAjv = addFormats(new Ajv({ removeAdditional: false, useDefaults: false, coerceTypes: false, allErrors: false, strict: false }));
const textAjv = addFormats(new Ajv({ removeAdditional: false, useDefaults: true, coerceTypes: 'array', allErrors: false, strict: false }));

const DB_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', 'SQLITE_BUSY', 'SQLITE_LOCKED']);
function databaseUnavailable(err: Error & { code?: unknown }): boolean {
  if (typeof err.code === 'string' && DB_UNAVAILABLE.has(err.code)) return true;
  // pg reports a connection lost mid-query without a code.
  return /^Connection terminated|timeout exceeded when trying to connect/.test(err.message);
}

export interface ServerOptions {
  store: Repository;
  /** Fastify logger options; false (default) for tests. Authorization headers are always redacted. */
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  /** Largest JSON body in bytes after decompression (default 1 MiB; uploads get 16 MiB). */
  bodyLimit?: number;
  uploadBodyLimit?: number;
  /** Guessing limits of enrollment and login (failures only; auth/failure-limiter.ts has the defaults). */
  authLimits?: Partial<AuthLimits>;
  /** How often approved exceptions past their expiry are marked expired (default 60 s; 0 = never). */
  exceptionSweepMs?: number;
  /** How often the fleet's compliance is sampled for the console's chart (default 60 s; 0 = never).
   * A sample is stored when it differs from the last one, and at least hourly. */
  complianceSampleMs?: number;
  /** How long a verified credential is remembered (default 30 s; 0 = verify every request). */
  authCacheMs?: number;
  /** Evaluates ban lists against device inventories (impact preview, compliance report). */
  evaluator?: PolicyEvaluator;
  /** Folder of the built admin console (default build/console of the install root). */
  consoleDir?: string;
  /** Names tools in reports (default: the shipped catalog, policies/data/catalog.json). */
  catalog?: ToolCatalog;
  /** Webhook delivery: internal targets allowed (SSRF guard), retry policy, poll interval. */
  integrations?: IntegrationOptions;
  now?: () => number;
}

export interface WardenCore {
  store: Repository;
  now: () => number;
  auth: Authenticator;
  /** Failed enrollment/login counts (never successes): who is refused with 429. */
  authLimits: AuthFailureLimits;
  banlist: BanlistService;
  /** User and device groups, the SCIM directory (groups/store.ts). */
  groups: GroupStore;
  metrics: Metrics;
  evaluator: PolicyEvaluator | null;
  catalog: ToolCatalog;
  /** Webhooks, their dispatcher and the event stream's wake-ups (integrations/service.ts). */
  integrations: Integrations;
  /** For plugins that authenticate themselves: the device id of a valid device credential, or null. */
  authenticateDevice: (req: FastifyRequest) => Promise<string | null>;
  /** Every route registered on this server with the auth it declared (for the authorization tests). */
  routes: { method: string; url: string; auth: RouteAuth }[];
  /** The signed bundle being served and the agents connected for push; null without bundle distribution. */
  bundleStatus: () => { revision: string; builtAt: number; connected: number } | null;
  /** Appends to the audit log (every admin action goes through here). */
  audit: (req: FastifyRequest, action: string, target: string, detail?: Record<string, unknown>) => Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    warden: WardenCore;
  }
}

function describeAuth(auth: RouteAuth): string {
  if (auth === 'device') return 'a device credential';
  if (typeof auth === 'string') return auth;
  return `an API token with role ${auth.join(' or ')}`;
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const now = opts.now ?? Date.now;
  const bodyLimit = opts.bodyLimit ?? 1024 * 1024;
  const fastifyOpts: FastifyServerOptions = {
    bodyLimit,
    logger: opts.logger ? { ...(typeof opts.logger === 'object' ? opts.logger : {}), redact: ['req.headers.authorization', 'req.headers.cookie'] } : false,
    // Agents behind one NAT share an address (no proxy trust by default): the guessing limits count
    // failures per address, never successes, so a fleet behind one address keeps enrolling.
    trustProxy: false,
    // Name the offending property or the allowed values: "body/platform must be equal to one of the
    // allowed values (linux, darwin, win32)" tells an agent developer what to fix.
    schemaErrorFormatter: (errors, dataVar) =>
      new Error(
        errors
          .slice(0, 3)
          .map((e) => {
            const p = e.params as { additionalProperty?: string; allowedValues?: unknown[]; missingProperty?: string };
            const extra = p.additionalProperty ? ` ('${p.additionalProperty}')` : p.allowedValues ? ` (${p.allowedValues.join(', ')})` : '';
            return `${dataVar}${e.instancePath} ${e.message ?? 'is invalid'}${extra}`;
          })
          .join('; '),
      ),
    routerOptions: { maxParamLength: 200 },
  };
  const app = Fastify(fastifyOpts);
  // Bodies are JSON and must carry the right types as sent (no "5" for 5); query strings and path
  // parameters are text by nature, so only they are coerced.
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));

  const auth = new Authenticator(opts.store, now, opts.authCacheMs);
  const driver = (opts.store as { driver?: SqlDriver }).driver;
  if (!driver) throw new Error('buildServer needs a SQL store (openStore)');
  const core: WardenCore = {
    store: opts.store,
    now,
    auth,
    authLimits: new AuthFailureLimits(opts.authLimits, now),
    banlist: new BanlistService(opts.store, now),
    groups: new GroupStore(driver),
    metrics: new Metrics(opts.store),
    evaluator: opts.evaluator ?? null,
    catalog: opts.catalog ?? ToolCatalog.shipped(),
    integrations: new Integrations(opts.store, driver, opts.integrations ?? {}, now, app.log),
    routes: [],
    bundleStatus: () => null,
    authenticateDevice: async (req) => {
      const p = req.principal ?? (await auth.resolve(req.headers.authorization));
      return p?.kind === 'device' ? p.deviceId : null;
    },
    audit: async (req, action, target, detail = {}) => {
      await opts.store.appendAudit({ at: now(), actor: req.principal ? actorName(req.principal) : 'anonymous', action, target, detail, ip: req.ip });
    },
  };
  app.decorate('warden', core);
  // Webhook delivery starts with the server and stops before the store closes.
  app.addHook('onReady', async () => core.integrations.start());
  app.addHook('onClose', async () => core.integrations.stop());
  // Cookies are parsed only where a session may be (the auth hook below), not on every request.
  await app.register(cookie, { hook: false });
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue; // fastify adds HEAD for every GET
      core.routes.push({ method, url: r.url, auth: (r.config as { auth?: RouteAuth } | undefined)?.auth ?? 'device' });
    }
  });
  app.decorateRequest('principal', null);

  // Errors: a clear 4xx for anything the client got wrong, a bare 500 (logged) for our own faults.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown; validationContext?: string }, req, reply) => {
    let status = 500;
    let code = 'internal';
    let message = 'internal server error';
    if (err instanceof HttpError) {
      [status, code, message] = [err.statusCode, err.code, err.message];
      for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
    }
    else if (err.validation) [status, code, message] = [400, 'bad_request', `invalid request: ${err.message}`];
    else if (typeof err.code === 'string' && err.code.startsWith('Z_')) [status, code, message] = [400, 'bad_encoding', `invalid gzip body: ${err.message}`];
    else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      code = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'too_large' : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : status === 429 ? 'rate_limited' : 'bad_request';
      message = err.message;
    }
    // The database going away (PostgreSQL restart, SQLite busy past its timeout) is temporary: 503 tells
    // agents to keep their queue and retry, rather than treating it as a server bug.
    if (status === 500 && databaseUnavailable(err)) [status, code, message] = [503, 'unavailable', 'the database is unavailable; retry later'];
    if (status >= 500) req.log.error({ err }, 'request failed');
    core.metrics.errors.inc({ code });
    if (status === 503) void reply.header('retry-after', '5');
    void reply.code(status).send({ statusCode: status, error: code, message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ statusCode: 404, error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  // PostgreSQL text cannot hold NUL; refuse it up front on both databases so they behave alike.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (typeof body === 'string' && body.includes('\\u0000')) {
      done(new HttpError(400, 'bad_request', 'JSON strings must not contain NUL (\\u0000)'), undefined);
      return;
    }
    jsonParser(req, typeof body === 'string' ? body : body.toString('utf8'), done);
  });

  // gzip request bodies; fastify applies bodyLimit to the decompressed stream (zip bombs stop there)
  // and checks Content-Length against the compressed byte count we report.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const enc = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
    if (enc === 'identity') return payload;
    if (enc !== 'gzip') throw new HttpError(415, 'unsupported_encoding', `Content-Encoding '${enc}' is not supported (use gzip or identity)`);
    const gunzip = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number };
    gunzip.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      gunzip.receivedEncodedLength += chunk.length;
    });
    payload.on('error', (e) => gunzip.destroy(e));
    payload.pipe(gunzip);
    return gunzip as unknown as Readable & typeof payload;
  });

  // Authentication and authorization, from each route's declared config.auth.
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404) return;
    const need: RouteAuth = req.routeOptions.config.auth ?? 'device';
    if (need === 'public' || need === 'enroll') return;
    // An Authorization header wins; without one, a console session cookie may stand for a user (never
    // for a device), and then every state change must pass the CSRF check (auth/session.ts).
    let p: Principal | null;
    let session: string | null = null;
    if (req.headers.authorization !== undefined) p = await auth.resolve(req.headers.authorization);
    else {
      session = sessionTokenOf(req, (h) => app.parseCookie(h));
      p = session ? await auth.resolve(`Bearer ${session}`) : null;
      if (p?.kind !== 'user') p = null;
    }
    req.principal = p;
    const ok = need === 'device' ? p?.kind === 'device' : p?.kind === 'user' && need.includes(p.role);
    if (ok && session !== null) {
      const problem = csrfProblem(req, session);
      if (problem === null) return;
      return reply.code(403).send({ statusCode: 403, error: 'csrf', message: `${req.method} ${req.routeOptions.url} refused: ${problem} (console requests must come from the console's own pages)` });
    }
    if (ok) return;
    const status = p ? 403 : 401;
    return reply
      .code(status)
      .header(status === 401 ? 'www-authenticate' : 'x-warden-required', status === 401 ? 'Bearer' : describeAuth(need))
      .send({ statusCode: status, error: status === 401 ? 'unauthorized' : 'forbidden', message: `${req.method} ${req.routeOptions.url} needs ${describeAuth(need)}${p ? '' : ' (Authorization: Bearer …)'}` });
  });

  app.addHook('onResponse', async (req, reply) => {
    core.metrics.observe(req.method, req.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime / 1000);
  });

  // Revocations made on another node (shared PostgreSQL) take effect here at once, not at cache expiry.
  const unfollow = await auth.follow();
  app.addHook('onClose', async () => unfollow());

  await app.register(swagger, {
    openapi: {
      info: { title: 'warden server API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  await app.register(coreRoutes, { core, uploadBodyLimit: opts.uploadBodyLimit ?? 16 * 1024 * 1024 });

  await app.register(consoleRoutes, { ...(opts.consoleDir ? { dir: opts.consoleDir } : {}) });

  app.get('/api/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());

  // The console's compliance-over-time chart: cheap SQL counts, stored when they change (or hourly).
  const sampleMs = opts.complianceSampleMs ?? 60_000;
  if (sampleMs > 0) {
    const timer = setInterval(() => {
      void sampleCompliance(app).catch((err: unknown) => app.log.error({ err }, 'compliance sample failed'));
    }, sampleMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  // Approved exceptions expire on their own; the policy also compares expiry with input.now.
  const sweepMs = opts.exceptionSweepMs ?? 60_000;
  if (sweepMs > 0) {
    const timer = setInterval(() => {
      void expireExceptions(app).catch((err: unknown) => app.log.error({ err }, 'exception sweep failed'));
    }, sweepMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
  return app;
}

/** Stores a compliance sample when the fleet's counts changed since the last one, or hourly. */
export async function sampleCompliance(app: FastifyInstance): Promise<void> {
  const { store, now } = app.warden;
  const revision = app.warden.bundleStatus()?.revision ?? (await app.warden.banlist.snapshot()).revision;
  await store.sampleCompliance(now(), revision, 3600_000);
}

/** Marks approved exceptions whose expiry passed as expired, audits it and announces the change. */
export async function expireExceptions(app: FastifyInstance): Promise<number> {
  const { store, now, banlist } = app.warden;
  const expired = await store.expireExceptions(now());
  if (expired.length === 0) return 0;
  await store.bumpCounter('exception_revision');
  for (const e of expired) {
    await store.appendAudit({ at: now(), actor: 'system', action: 'exception.expire', target: `exception:${e.id}`, detail: { device: e.deviceId, tool: e.toolId, expires_at: e.expiresAt }, ip: '' });
  }
  await banlist.changed('system');
  return expired.length;
}
