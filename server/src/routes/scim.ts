// SCIM 2.0 provisioning (RFC 7643/7644) under /scim/v2 for identity providers (Okta, Entra ID,
// Google, JumpCloud): Users and Groups (list with filter and pagination, read, create, replace, PATCH,
// delete) and the discovery documents. Only an API token of a user with the 'scim' role gets in, and
// that role can do nothing else. Errors are SCIM error documents; bodies may be application/scim+json.
// Every write is audited; group changes are versioned (groups/store.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { SCIM_ROLES, actorName } from '../auth/principal.ts';
import { HttpError } from '../http-error.ts';
import { ScimError } from '../scim/errors.ts';
import { ScimService } from '../scim/service.ts';
import { resourceTypeDocs, schemaDocs, serviceProviderConfig, LIST_URN } from '../scim/schemas.ts';
import { IdParam, type IdParam as Id } from '../schemas/api.ts';
import type { RouteContext } from './context.ts';

export const SCIM_PREFIX = '/scim/v2';
const SCIM_TYPE = 'application/scim+json; charset=utf-8';

// Query parameters identity providers send; others (sortBy, which we do not support) are ignored.
const ListQuery = Type.Object({
  filter: Type.Optional(Type.String({ maxLength: 4096 })),
  startIndex: Type.Optional(Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 })),
  count: Type.Optional(Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 })),
  attributes: Type.Optional(Type.String({ maxLength: 2000 })),
  excludedAttributes: Type.Optional(Type.String({ maxLength: 2000 })),
});
type ListQ = Static<typeof ListQuery>;
const ReadQuery = Type.Object({ attributes: Type.Optional(Type.String({ maxLength: 2000 })), excludedAttributes: Type.Optional(Type.String({ maxLength: 2000 })) });
type ReadQ = Static<typeof ReadQuery>;
const ScimId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const AnyBody = Type.Unknown();

const base = (req: FastifyRequest): string => `${req.protocol}://${req.host}${SCIM_PREFIX}`;
const send = (reply: FastifyReply, status: number, body: unknown): FastifyReply => reply.code(status).type(SCIM_TYPE).send(body);

function toScimError(err: Error & { statusCode?: number; code?: string; validation?: unknown }): ScimError | null {
  if (err instanceof ScimError) return err;
  if (err.validation) return new ScimError(400, 'invalidValue', `invalid request: ${err.message}`);
  if (err instanceof HttpError) return new ScimError(err.statusCode, err.statusCode === 400 ? 'invalidSyntax' : null, err.message);
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new ScimError(err.statusCode, err.statusCode === 400 ? 'invalidSyntax' : err.statusCode === 413 ? 'tooMany' : null, err.message);
  }
  return null;
}

export async function scimRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const svc = new ScimService(core.store, core.groups, core.now);
  const config = { auth: SCIM_ROLES };
  const tags = ['scim'];

  // SCIM clients send application/scim+json; parse it like JSON (NUL refused, as for every body).
  app.addContentTypeParser(['application/scim+json'], { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.includes('\\u0000')) return done(new ScimError(400, 'invalidValue', 'JSON strings must not contain NUL (\\u0000)'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new ScimError(400, 'invalidSyntax', `the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const e = toScimError(err) ?? new ScimError(500, null, 'internal server error');
    if (e.status >= 500) req.log.error({ err }, 'SCIM request failed');
    core.metrics.errors.inc({ code: e.scimType ?? `scim_${e.status}` });
    void send(reply, e.status, e.body());
  });
  app.setNotFoundHandler((req, reply) => {
    void send(reply, 404, new ScimError(404, null, `no SCIM endpoint ${req.method} ${req.url.split('?')[0]}`).body());
  });

  const audit = (req: FastifyRequest, note: { action: string; target: string; detail: Record<string, unknown> }) => core.audit(req, note.action, note.target, note.detail);
  const actor = (req: FastifyRequest): string => actorName(req.principal!);

  // ---- discovery
  app.get('/ServiceProviderConfig', { config, schema: { tags, description: 'SCIM service provider configuration' } }, async (req, reply) => send(reply, 200, serviceProviderConfig(base(req))));
  app.get('/ResourceTypes', { config, schema: { tags } }, async (req, reply) => {
    const docs = resourceTypeDocs(base(req));
    return send(reply, 200, { schemas: [LIST_URN], totalResults: docs.length, startIndex: 1, itemsPerPage: docs.length, Resources: docs });
  });
  app.get<{ Params: Static<typeof ScimId> }>('/ResourceTypes/:id', { config, schema: { tags, params: ScimId } }, async (req, reply) => {
    const doc = resourceTypeDocs(base(req)).find((d) => d.id === req.params.id);
    if (!doc) throw new ScimError(404, null, `no ResourceType ${req.params.id}`);
    return send(reply, 200, doc);
  });
  app.get('/Schemas', { config, schema: { tags } }, async (req, reply) => {
    const docs = schemaDocs(base(req));
    return send(reply, 200, { schemas: [LIST_URN], totalResults: docs.length, startIndex: 1, itemsPerPage: docs.length, Resources: docs });
  });
  app.get<{ Params: Static<typeof ScimId> }>('/Schemas/:id', { config, schema: { tags, params: ScimId } }, async (req, reply) => {
    const doc = schemaDocs(base(req)).find((d) => d.id === req.params.id);
    if (!doc) throw new ScimError(404, null, `no Schema ${req.params.id}`);
    return send(reply, 200, doc);
  });

  // ---- Users
  app.get<{ Querystring: ListQ }>('/Users', { config, schema: { tags, querystring: ListQuery, description: 'List users: filter (eq, ne, co, sw, ew, gt, lt, ge, le, pr, and, or, not, [value filters]), startIndex, count' } }, async (req, reply) =>
    send(reply, 200, await svc.listUsers(req.query, base(req))),
  );
  app.get<{ Params: Id; Querystring: ReadQ }>('/Users/:id', { config, schema: { tags, params: IdParam, querystring: ReadQuery } }, async (req, reply) => send(reply, 200, await svc.getUser(req.params.id, base(req), req.query)));
  app.post('/Users', { config, schema: { tags, body: AnyBody } }, async (req, reply) => {
    const r = await svc.createUser(req.body, base(req));
    await audit(req, r.audit);
    return send(reply.header('location', String((r.resource.meta as { location: string }).location)), 201, r.resource);
  });
  app.put<{ Params: Id }>('/Users/:id', { config, schema: { tags, params: IdParam, body: AnyBody } }, async (req, reply) => {
    const r = await svc.replaceUser(req.params.id, req.body, base(req));
    await audit(req, r.audit);
    return send(reply, 200, r.resource);
  });
  app.patch<{ Params: Id }>('/Users/:id', { config, schema: { tags, params: IdParam, body: AnyBody } }, async (req, reply) => {
    const r = await svc.patchUser(req.params.id, req.body, base(req));
    await audit(req, r.audit);
    return send(reply, 200, r.resource);
  });
  app.delete<{ Params: Id }>('/Users/:id', { config, schema: { tags, params: IdParam } }, async (req, reply) => {
    await audit(req, await svc.deleteUser(req.params.id, actor(req)));
    return reply.code(204).send();
  });

  // ---- Groups
  app.get<{ Querystring: ListQ }>('/Groups', { config, schema: { tags, querystring: ListQuery } }, async (req, reply) => send(reply, 200, await svc.listGroups(req.query, base(req))));
  app.get<{ Params: Id; Querystring: ReadQ }>('/Groups/:id', { config, schema: { tags, params: IdParam, querystring: ReadQuery } }, async (req, reply) => send(reply, 200, await svc.getGroup(req.params.id, base(req), req.query)));
  app.post('/Groups', { config, schema: { tags, body: AnyBody } }, async (req, reply) => {
    const r = await svc.createGroup(req.body, actor(req), base(req));
    await audit(req, r.audit);
    return send(reply.header('location', String((r.resource.meta as { location: string }).location)), 201, r.resource);
  });
  app.put<{ Params: Id }>('/Groups/:id', { config, schema: { tags, params: IdParam, body: AnyBody } }, async (req, reply) => {
    const r = await svc.replaceGroup(req.params.id, req.body, actor(req), base(req));
    await audit(req, r.audit);
    return send(reply, 200, r.resource);
  });
  app.patch<{ Params: Id }>('/Groups/:id', { config, schema: { tags, params: IdParam, body: AnyBody } }, async (req, reply) => {
    const r = await svc.patchGroup(req.params.id, req.body, actor(req), base(req));
    await audit(req, r.audit);
    return send(reply, 200, r.resource);
  });
  app.delete<{ Params: Id }>('/Groups/:id', { config, schema: { tags, params: IdParam } }, async (req, reply) => {
    await audit(req, await svc.deleteGroup(req.params.id, actor(req)));
    return reply.code(204).send();
  });
}
