// Exceptions: requested by an employee (agent route) or an admin, approved with an expiry or denied
// by an editor; approved ones go into the bundle until they expire (then the sweep marks them).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { EDIT_ROLES, READ_ROLES } from '../auth/principal.ts';
import { badRequest, conflict, notFound } from '../http-error.ts';
import { AdminExceptionRequest, ApproveBody, DenyBody, IdParam, PageQuery, Strict, type AdminExceptionRequest as AdminReq, type ApproveBody as Approve, type DenyBody as Deny, type IdParam as Id } from '../schemas/api.ts';
import { actorName } from '../auth/principal.ts';
import { newId } from '../auth/secrets.ts';
import { exceptionDto } from './dto.ts';
import { nudgeDevice } from '../device-nudge.ts';
import { ExportFormat, sendExport } from '../reports/export.ts';

const EXCEPTION_COLUMNS = ['id', 'device_id', 'hostname', 'tool', 'state', 'reason', 'requested_by', 'requested_at', 'decided_by', 'decided_at', 'decision_note', 'expires_at'] as const;
import type { RouteContext } from './context.ts';

const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('denied'), Type.Literal('expired')])),
    device: Type.Optional(Type.String({ maxLength: 200 })),
    expires_before: Type.Optional(Type.String({ format: 'date-time', description: 'only exceptions expiring before this instant (expiring soon)' })),
    ...PageQuery,
    ...ExportFormat,
  },
  Strict,
);
const MAX_EXPIRY_MS = 366 * 24 * 3600_000;

export async function exceptionRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, now, banlist } = core;
  const tags = ['exceptions'];

  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/exceptions', { config: { auth: READ_ROLES }, schema: { tags, description: 'Exception requests, oldest first; ?format=csv|json exports them all', querystring: ListQuery } }, async (req, reply) => {
    const q = req.query;
    const before = q.expires_before !== undefined ? Date.parse(q.expires_before) : NaN;
    const f = { ...(q.state ? { state: q.state } : {}), ...(q.device ? { deviceId: q.device } : {}), ...(Number.isFinite(before) ? { expiresBefore: before } : {}) };
    if (q.format) return sendExport(core, req, reply, q.format, { name: 'exceptions', columns: EXCEPTION_COLUMNS, page: async (limit, offset) => (await store.listExceptions({ ...f, limit, offset })).map(exceptionDto) });
    return { exceptions: (await store.listExceptions({ ...f, ...(q.limit ? { limit: q.limit } : {}), ...(q.offset ? { offset: q.offset } : {}) })).map(exceptionDto) };
  });

  app.post<{ Body: AdminReq }>('/api/v1/exceptions', { config: { auth: EDIT_ROLES }, schema: { tags, description: 'Record an exception request on behalf of an employee', body: AdminExceptionRequest } }, async (req, reply) => {
    const d = await store.getDevice(req.body.device_id);
    if (!d) throw notFound(`no device ${req.body.device_id}`);
    const rec = { id: newId(), deviceId: d.id, toolId: req.body.tool, reason: req.body.reason, requestedBy: actorName(req.principal!), requestedAt: now(), state: 'pending' as const, decidedBy: null, decidedAt: null, decisionNote: null, expiresAt: null };
    await store.createException(rec);
    await core.audit(req, 'exception.request', `exception:${rec.id}`, { device: d.id, tool: rec.toolId });
    return reply.code(201).send(exceptionDto(rec));
  });

  app.post<{ Params: Id; Body: Approve }>('/api/v1/exceptions/:id/approve', { config: { auth: EDIT_ROLES }, schema: { tags, description: 'Approve until expires_at (at most a year)', params: IdParam, body: ApproveBody } }, async (req) => {
    const e = await store.getException(req.params.id);
    if (!e) throw notFound(`no exception ${req.params.id}`);
    const expiresAt = Date.parse(req.body.expires_at);
    if (!Number.isFinite(expiresAt) || expiresAt <= now()) throw badRequest('expires_at must be in the future');
    if (expiresAt - now() > MAX_EXPIRY_MS) throw badRequest('expires_at must be within a year');
    // Whole seconds: the policy compares expiry as a YYYY-MM-DDTHH:MM:SSZ string.
    const exp = Math.floor(expiresAt / 1000) * 1000;
    if (!(await store.decideException(e.id, 'approved', actorName(req.principal!), now(), req.body.note, exp))) throw conflict(`exception ${e.id} is ${e.state}, not pending`);
    await store.bumpCounter('exception_revision');
    await core.audit(req, 'exception.approve', `exception:${e.id}`, { device: e.deviceId, tool: e.toolId, expires_at: new Date(exp).toISOString(), note: req.body.note });
    const { bundle } = await banlist.changed(actorName(req.principal!));
    await nudgeDevice(store, e.deviceId, (err) => req.log.warn({ err }, 'device nudge not sent; the agent learns the decision at its next check-in'));
    return { ...exceptionDto((await store.getException(e.id))!), bundle };
  });

  app.post<{ Params: Id; Body: Deny }>('/api/v1/exceptions/:id/deny', { config: { auth: EDIT_ROLES }, schema: { tags, params: IdParam, body: DenyBody } }, async (req) => {
    const e = await store.getException(req.params.id);
    if (!e) throw notFound(`no exception ${req.params.id}`);
    if (!(await store.decideException(e.id, 'denied', actorName(req.principal!), now(), req.body.note, null))) throw conflict(`exception ${e.id} is ${e.state}, not pending`);
    await core.audit(req, 'exception.deny', `exception:${e.id}`, { device: e.deviceId, tool: e.toolId, note: req.body.note });
    // A denial changes no bundle (nothing is pushed): the nudge brings it to the employee's tray now.
    await nudgeDevice(store, e.deviceId, (err) => req.log.warn({ err }, 'device nudge not sent; the agent learns the decision at its next check-in'));
    return exceptionDto((await store.getException(e.id))!);
  });
}
