// Fleet queries (every admin role reads) and device revocation (admin).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ADMIN_ROLES, READ_ROLES } from '../auth/principal.ts';
import { conflict, notFound } from '../http-error.ts';
import { IdParam, PageQuery, Strict, type IdParam as Id } from '../schemas/api.ts';
import { deviceDto } from './dto.ts';
import type { RouteContext } from './context.ts';

const PageOnly = Type.Object({ ...PageQuery }, Strict);
const InventoryQuery = Type.Object({ tool: Type.Optional(Type.String({ maxLength: 128 })), vendor: Type.Optional(Type.String({ maxLength: 200 })), version: Type.Optional(Type.String({ maxLength: 100 })), device: Type.Optional(Type.String({ maxLength: 200 })), ...PageQuery }, Strict);
const EventsQuery = Type.Object({ device: Type.Optional(Type.String({ maxLength: 200 })), kind: Type.Optional(Type.String({ maxLength: 50 })), since: Type.Optional(Type.String({ format: 'date-time' })), ...PageQuery }, Strict);

export async function deviceRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, now, auth } = core;
  const tags = ['fleet'];
  const read = { auth: READ_ROLES };

  app.get<{ Querystring: Static<typeof PageOnly> }>('/api/v1/devices', { config: read, schema: { tags, querystring: PageOnly } }, async (req) => ({
    devices: (await store.listDevices(req.query)).map(deviceDto),
  }));

  app.get<{ Params: Id }>('/api/v1/devices/:id', { config: read, schema: { tags, params: IdParam } }, async (req) => {
    const d = await store.getDevice(req.params.id);
    if (!d) throw notFound(`no device ${req.params.id}`);
    return deviceDto(d);
  });

  app.get<{ Params: Id }>('/api/v1/devices/:id/inventory', { config: read, schema: { tags, params: IdParam } }, async (req) => {
    const d = await store.getDevice(req.params.id);
    if (!d) throw notFound(`no device ${req.params.id}`);
    return { device: deviceDto(d), findings: (await store.getInventory(d.id)).map((r) => r.detail) };
  });

  app.post<{ Params: Id }>('/api/v1/devices/:id/revoke', { config: { auth: ADMIN_ROLES }, schema: { tags, params: IdParam, description: "Revoke the device's credential (re-enrollment then needs a one-time token)" } }, async (req) => {
    const d = await store.getDevice(req.params.id);
    if (!d) throw notFound(`no device ${req.params.id}`);
    if (!(await store.revokeDevice(d.id, now()))) throw conflict(`device ${d.id} is already revoked`);
    await auth.revoke({ kind: 'device', id: d.id });
    await core.audit(req, 'device.revoke', `device:${d.id}`, { hostname: d.hostname });
    return deviceDto((await store.getDevice(d.id))!);
  });

  app.get<{ Querystring: Static<typeof InventoryQuery> }>('/api/v1/inventory', { config: read, schema: { tags, description: 'Latest inventory findings across the fleet, filtered', querystring: InventoryQuery } }, async (req) => {
    const q = req.query;
    const rows = await store.queryInventory({
      ...(q.tool !== undefined ? { toolId: q.tool } : {}),
      ...(q.vendor !== undefined ? { vendor: q.vendor } : {}),
      ...(q.version !== undefined ? { version: q.version } : {}),
      ...(q.device !== undefined ? { deviceId: q.device } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(q.offset !== undefined ? { offset: q.offset } : {}),
    });
    return { items: rows.map((r) => ({ device_id: r.deviceId, hostname: r.hostname, key: r.key, tool: r.toolId, name: r.name, vendor: r.vendor, version: r.version, channel: r.kind, updated_at: new Date(r.updatedAt).toISOString() })) };
  });

  app.get<{ Querystring: Static<typeof EventsQuery> }>('/api/v1/events', { config: read, schema: { tags, description: 'Enforcement events as the agents reported them', querystring: EventsQuery } }, async (req) => {
    const q = req.query;
    const since = q.since !== undefined ? Date.parse(q.since) : undefined;
    const rows = await store.queryEvents({
      ...(q.device !== undefined ? { deviceId: q.device } : {}),
      ...(q.kind !== undefined ? { kind: q.kind } : {}),
      ...(since !== undefined && Number.isFinite(since) ? { since } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(q.offset !== undefined ? { offset: q.offset } : {}),
    });
    return { events: rows.map((e) => ({ seq: e.seq, device_id: e.deviceId, received_at: new Date(e.receivedAt).toISOString(), event: e.detail })) };
  });

}
