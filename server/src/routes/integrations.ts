// Webhooks (admin: create, change, rotate the secret, test, redeliver dead letters; every read role:
// list and delivery status) and the SIEM export: the event stream and the audit log as JSON lines
// (or CEF) behind a resumable cursor, open to admin, auditor and the least-privilege 'siem' role.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ADMIN_ROLES, READ_ROLES, STREAM_ROLES, actorName } from '../auth/principal.ts';
import { badRequest, conflict, notFound } from '../http-error.ts';
import { IdParam, Strict, Why, type IdParam as Id } from '../schemas/api.ts';
import { newId } from '../auth/secrets.ts';
import { TYPE_PATTERN, readIntegrationEvents, typeFilterProblems, type IntegrationEvent } from '../integrations/event-log.ts';
import { eventCef, eventJson } from '../integrations/format.ts';
import { newWebhookSecret } from '../integrations/sign.ts';
import { originOf } from '../integrations/dispatcher.ts';
import type { Webhook, WebhookSettings } from '../integrations/webhook-store.ts';
import type { AuditEntry } from '../store/types.ts';
import type { RouteContext } from './context.ts';

export const WebhookDraft = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]*$' }),
    url: Type.String({ minLength: 8, maxLength: 2000 }),
    events: Type.Array(Type.String({ maxLength: 200, pattern: TYPE_PATTERN }), { minItems: 1, maxItems: 50, uniqueItems: true, description: "'*', a type (agent.health) or a prefix (enforcement.*, audit.exception.*)" }),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('cef')])),
    enabled: Type.Optional(Type.Boolean()),
  },
  Strict,
);
export type WebhookDraft = Static<typeof WebhookDraft>;
const CreateBody = Type.Object({ webhook: WebhookDraft, why: Why, from: Type.Optional(Type.Union([Type.Literal('now'), Type.Literal('beginning')], { description: "deliver events from now on (default) or the whole log" })) }, Strict);
const UpdateBody = Type.Object({ webhook: WebhookDraft, why: Why, expect_version: Type.Optional(Type.Integer({ minimum: 1 })) }, Strict);
const DeleteQuery = Type.Object({ why: Why }, Strict);
const RotateBody = Type.Object({ why: Why, grace_hours: Type.Optional(Type.Integer({ minimum: 0, maximum: 720, description: 'hours the old secret still signs (default 24)' })) }, Strict);
const DeadParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }), seq: Type.Integer({ minimum: 1 }) }, Strict);
const DeadQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) }, Strict);
const Cursor = Type.Optional(Type.Integer({ minimum: 0, description: 'resume after this seq (the last one you stored); 0 = from the start' }));
const StreamQuery = Type.Object(
  {
    after: Cursor,
    types: Type.Optional(Type.String({ maxLength: 2000, description: 'comma-separated type patterns (default *)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('cef')])),
    wait: Type.Optional(Type.Integer({ minimum: 0, maximum: 60, description: 'long poll: seconds to wait for the first event when none is there yet' })),
  },
  Strict,
);
const AuditStreamQuery = Type.Object({ after: Cursor, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), wait: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })) }, Strict);

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function webhookDto(w: Webhook, status?: { backlog: number; dead: number }) {
  return {
    id: w.id, name: w.name, url: w.url, events: w.events, format: w.format, enabled: w.enabled, version: w.version,
    created_by: w.createdBy, created_at: iso(w.createdAt), updated_by: w.updatedBy, updated_at: iso(w.updatedAt),
    previous_secret_valid_until: w.previousUntil !== null && w.previousSecret !== null ? iso(w.previousUntil) : null,
    delivery: {
      cursor: w.cursor, delivered: w.delivered, failing_attempts: w.attempts, next_attempt_at: w.attempts > 0 ? iso(w.nextAttemptAt) : null,
      last_status: w.lastStatus, last_error: w.lastError, last_attempt_at: iso(w.lastAttemptAt), last_success_at: iso(w.lastSuccessAt),
      ...(status ? { backlog: status.backlog, dead_letters: status.dead } : {}),
    },
  };
}

export function settingsOf(d: WebhookDraft): WebhookSettings {
  return { name: d.name, url: d.url, events: d.events, format: d.format ?? 'json', enabled: d.enabled ?? true };
}

function auditLine(a: AuditEntry): Record<string, unknown> {
  return { id: `audit_${a.seq}`, seq: a.seq, type: `audit.${a.action}`, timestamp: new Date(a.at).toISOString(), data: { actor: a.actor, action: a.action, target: a.target, detail: a.detail, ip: a.ip } };
}

export async function integrationRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, now, integrations } = core;
  const hooks = integrations.webhooks;
  const tags = ['integrations'];
  const driver = hooks.db;

  const checkDraft = (d: WebhookDraft): void => {
    const problems = [...typeFilterProblems(d.events), ...[integrations.guard.urlProblem(d.url)].filter((p): p is string => p !== null)];
    if (problems.length > 0) throw badRequest(`invalid webhook: ${problems.join('; ')}`, 'invalid_webhook');
  };
  const withStatus = async (w: Webhook) => webhookDto(w, { backlog: await hooks.backlog(w), dead: await hooks.countDead(w.id) });
  const need = async (id: string): Promise<Webhook> => {
    const w = await hooks.get(id);
    if (!w) throw notFound(`no webhook ${id}`);
    return w;
  };
  const audit = (req: FastifyRequest, action: string, w: Webhook, detail: Record<string, unknown>) => core.audit(req, action, `webhook:${w.id}`, { name: w.name, target: originOf(w.url), ...detail });

  app.get('/api/v1/webhooks', { config: { auth: READ_ROLES }, schema: { tags, description: 'Webhooks with their delivery status (secrets are never shown again)' } }, async () => ({
    webhooks: await Promise.all((await hooks.list()).map(withStatus)),
  }));

  app.get<{ Params: Id }>('/api/v1/webhooks/:id', { config: { auth: READ_ROLES }, schema: { tags, params: IdParam } }, async (req) => withStatus(await need(req.params.id)));

  app.post<{ Body: Static<typeof CreateBody> }>('/api/v1/webhooks', { config: { auth: ADMIN_ROLES }, schema: { tags, body: CreateBody, description: 'Add a webhook; the answer shows its signing secret, once' } }, async (req, reply) => {
    checkDraft(req.body.webhook);
    const secret = newWebhookSecret();
    const w = await hooks.create(newId(), settingsOf(req.body.webhook), secret, actorName(req.principal!), now(), req.body.from ?? 'now');
    if (w === 'exists') throw conflict(`a webhook named '${req.body.webhook.name}' already exists`, 'webhook_exists');
    await audit(req, 'webhook.create', w, { events: w.events, format: w.format, enabled: w.enabled, why: req.body.why });
    integrations.dispatcher?.kick();
    return reply.code(201).send({ webhook: await withStatus(w), secret });
  });

  app.put<{ Params: Id; Body: Static<typeof UpdateBody> }>('/api/v1/webhooks/:id', { config: { auth: ADMIN_ROLES }, schema: { tags, params: IdParam, body: UpdateBody, description: 'Change a webhook (expect_version makes it compare-and-set); the secret stays' } }, async (req) => {
    checkDraft(req.body.webhook);
    const r = await hooks.update(req.params.id, settingsOf(req.body.webhook), actorName(req.principal!), now(), req.body.expect_version);
    if (r === 'missing') throw notFound(`no webhook ${req.params.id}`);
    if (r === 'exists') throw conflict(`a webhook named '${req.body.webhook.name}' already exists`, 'webhook_exists');
    if ('conflict' in r) throw conflict(`the webhook is at version ${r.conflict}: reload and try again`, 'version_conflict');
    await audit(req, 'webhook.update', r, { events: r.events, format: r.format, enabled: r.enabled, why: req.body.why });
    integrations.dispatcher?.kick();
    return withStatus(r);
  });

  app.delete<{ Params: Id; Querystring: Static<typeof DeleteQuery> }>('/api/v1/webhooks/:id', { config: { auth: ADMIN_ROLES }, schema: { tags, params: IdParam, querystring: DeleteQuery } }, async (req) => {
    const w = await need(req.params.id);
    await hooks.remove(w.id);
    await audit(req, 'webhook.delete', w, { why: req.query.why });
    return { deleted: w.id };
  });

  app.post<{ Params: Id; Body: Static<typeof RotateBody> }>('/api/v1/webhooks/:id/rotate-secret', { config: { auth: ADMIN_ROLES }, schema: { tags, params: IdParam, body: RotateBody, description: 'New signing secret (shown once); the old one still signs for grace_hours' } }, async (req) => {
    const w = await need(req.params.id);
    const secret = newWebhookSecret();
    const until = now() + (req.body.grace_hours ?? 24) * 3600_000;
    await hooks.rotate(w.id, secret, until, actorName(req.principal!), now());
    await audit(req, 'webhook.rotate_secret', w, { previous_valid_until: iso(until), why: req.body.why });
    return { webhook: await withStatus((await hooks.get(w.id))!), secret, previous_secret_valid_until: iso(until) };
  });

  app.post<{ Params: Id }>('/api/v1/webhooks/:id/test', { config: { auth: ADMIN_ROLES }, schema: { tags, params: IdParam, description: 'Send a signed webhook.test event now and report the answer (not stored, not retried)' } }, async (req) => {
    const w = await need(req.params.id);
    if (!integrations.dispatcher) throw conflict('this server node delivers no webhooks', 'not_delivering');
    const e: IntegrationEvent = { seq: 0, id: `evt_test_${newId()}`, type: 'webhook.test', at: now(), deviceId: null, data: { webhook: w.name, message: 'warden webhook test', by: actorName(req.principal!) } };
    const r = await integrations.dispatcher.send(w, e);
    await audit(req, 'webhook.test', w, { ok: r.ok, status: r.status });
    return { id: e.id, ok: r.ok, status: r.status, error: r.error, ms: Math.round(r.ms) };
  });

  app.get<{ Params: Id; Querystring: Static<typeof DeadQuery> }>('/api/v1/webhooks/:id/dead-letters', { config: { auth: READ_ROLES }, schema: { tags, params: IdParam, querystring: DeadQuery, description: 'Events this webhook gave up on, newest first, with the event' } }, async (req) => {
    const w = await need(req.params.id);
    const dead = await hooks.deadLetters(w.id, req.query.limit ?? 100, req.query.offset ?? 0);
    return {
      dead_letters: await Promise.all(dead.map(async (d) => {
        const e = await hooks.event(d.eventSeq);
        return { event_seq: d.eventSeq, event_id: d.eventId, attempts: d.attempts, last_status: d.lastStatus, last_error: d.lastError, dead_at: iso(d.deadAt), redelivered_at: iso(d.redeliveredAt), event: e ? eventJson(e) : null };
      })),
    };
  });

  app.post<{ Params: Static<typeof DeadParams> }>('/api/v1/webhooks/:id/dead-letters/:seq/redeliver', { config: { auth: ADMIN_ROLES }, schema: { tags, params: DeadParams, description: 'Send a dead-lettered event again now (same webhook-id)' } }, async (req) => {
    const w = await need(req.params.id);
    const d = await hooks.deadLetter(w.id, req.params.seq);
    const e = d ? await hooks.event(d.eventSeq) : null;
    if (!d || !e) throw notFound(`webhook ${w.id} has no dead letter for event ${req.params.seq}`);
    if (!integrations.dispatcher) throw conflict('this server node delivers no webhooks', 'not_delivering');
    const r = await integrations.dispatcher.send(w, e);
    if (r.ok) await hooks.markRedelivered(w.id, d.eventSeq, now());
    await audit(req, 'webhook.redeliver', w, { event_seq: d.eventSeq, ok: r.ok, status: r.status });
    return { ok: r.ok, status: r.status, error: r.error };
  });

  // ---- the SIEM export

  /** Writes lines as they come: a plain poll answers at once; `wait` holds an empty answer until events arrive. */
  const lines = async <T>(req: FastifyRequest, reply: FastifyReply, wait: number, read: () => Promise<T[]>, cursorOf: (x: T) => number, line: (x: T) => string, after: number) => {
    let rows = await read();
    if (rows.length === 0 && wait > 0) {
      const abort = new AbortController();
      req.raw.once('close', () => abort.abort());
      const deadline = Date.now() + wait * 1000;
      while (rows.length === 0 && !abort.signal.aborted && Date.now() < deadline) {
        await integrations.waitForAppend(Math.min(1000, deadline - Date.now()), abort.signal);
        rows = await read();
      }
    }
    const next = rows.length > 0 ? cursorOf(rows[rows.length - 1]!) : after;
    void reply.header('content-type', 'application/x-ndjson; charset=utf-8').header('x-warden-cursor', String(next)).header('cache-control', 'no-store');
    return rows.map((r) => `${line(r)}\n`).join('');
  };

  const sse = async (req: FastifyRequest, reply: FastifyReply, start: number, read: (after: number) => Promise<IntegrationEvent[]>, line: (e: IntegrationEvent) => string) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const abort = new AbortController();
    req.raw.once('close', () => abort.abort());
    let cursor = start;
    res.write(': warden event stream\n\n');
    while (!abort.signal.aborted) {
      const rows = await read(cursor);
      for (const e of rows) res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${line(e)}\n\n`);
      if (rows.length > 0) cursor = rows[rows.length - 1]!.seq;
      else {
        await integrations.waitForAppend(15_000, abort.signal);
        if (!abort.signal.aborted) res.write(': keepalive\n\n');
      }
    }
    res.end();
  };

  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    '/api/v1/events/stream',
    {
      config: { auth: STREAM_ROLES },
      schema: {
        tags,
        querystring: StreamQuery,
        description:
          'Every event (enforcement.*, inventory.changed, agent.health, audit.*) after a cursor, oldest first, one per line (JSON or CEF). ' +
          'The x-warden-cursor header is the `after` of the next call. With Accept: text/event-stream it follows live (SSE; Last-Event-ID resumes).',
      },
    },
    async (req, reply) => {
      const q = req.query;
      const patterns = (q.types ?? '*').split(',').map((t) => t.trim()).filter((t) => t !== '');
      const problems = typeFilterProblems(patterns);
      if (problems.length > 0) throw badRequest(problems.join('; '));
      const limit = q.limit ?? 500;
      const line = (e: IntegrationEvent): string => (q.format === 'cef' ? eventCef(e) : JSON.stringify(eventJson(e)));
      const lastId = req.headers['last-event-id'];
      const after = q.after ?? (typeof lastId === 'string' && /^\d+$/.test(lastId) ? Number(lastId) : 0);
      if ((req.headers.accept ?? '').includes('text/event-stream')) return sse(req, reply, after, (a) => readIntegrationEvents(driver, a, patterns, limit), line);
      return lines(req, reply, q.wait ?? 0, () => readIntegrationEvents(driver, after, patterns, limit), (e) => e.seq, line, after);
    },
  );

  app.get<{ Querystring: Static<typeof AuditStreamQuery> }>(
    '/api/v1/audit/stream',
    { config: { auth: STREAM_ROLES }, schema: { tags, querystring: AuditStreamQuery, description: 'The audit log after a cursor, oldest first, as JSON lines in the event stream\'s form; x-warden-cursor is the next `after`' } },
    async (req, reply) => {
      const after = req.query.after ?? 0;
      return lines(req, reply, req.query.wait ?? 0, () => store.auditAfter(after, req.query.limit ?? 500), (a) => a.seq, (a) => JSON.stringify(auditLine(a)), after);
    },
  );
}
