// Fleet queries (every admin role reads) and device revocation (admin).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ADMIN_ROLES, READ_ROLES } from '../auth/principal.ts';
import { badRequest, conflict, notFound } from '../http-error.ts';
import { IdParam, PageQuery, Strict, type IdParam as Id } from '../schemas/api.ts';
import { deviceDto } from './dto.ts';
import { ExportFormat, sendExport } from '../reports/export.ts';
import type { DeviceInventoryRow, InventoryFilter, StoredEvent } from '../store/types.ts';
import { groupScope } from '../groups/scope.ts';
import type { RouteContext } from './context.ts';

const PageOnly = Type.Object({ ...PageQuery }, Strict);
const InventoryQuery = Type.Object(
  {
    tool: Type.Optional(Type.String({ maxLength: 128 })),
    vendor: Type.Optional(Type.String({ maxLength: 200 })),
    vendor_country: Type.Optional(Type.String({ maxLength: 100 })),
    category: Type.Optional(Type.String({ maxLength: 100 })),
    version: Type.Optional(Type.String({ maxLength: 100 })),
    device: Type.Optional(Type.String({ maxLength: 200 })),
    user: Type.Optional(Type.String({ maxLength: 200 })),
    hostname: Type.Optional(Type.String({ maxLength: 255, description: 'substring of the hostname' })),
    group: Type.Optional(Type.String({ maxLength: 200, description: "a group's id: a device group keeps the devices its labels or rule hold, a user group the installs its people's OS logins own" })),
    ...PageQuery,
    ...ExportFormat,
  },
  Strict,
);
const EventsQuery = Type.Object(
  {
    device: Type.Optional(Type.String({ maxLength: 200 })),
    kind: Type.Optional(Type.String({ maxLength: 50 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'asc (default): oldest first; desc: newest first' })),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'only events with a seq below this (the next_before of the previous page, paging newest first)' })),
    ...PageQuery,
    ...ExportFormat,
  },
  Strict,
);
const INVENTORY_COLUMNS = ['device_id', 'hostname', 'tool', 'name', 'vendor', 'vendor_country', 'category', 'version', 'channel', 'user', 'key', 'updated_at'] as const;
const EVENT_COLUMNS = ['seq', 'device_id', 'received_at', 'time', 'kind', 'tool', 'action', 'rule', 'result', 'detail', 'bundle_revision'] as const;

function inventoryItemDto(r: DeviceInventoryRow) {
  const d = r.detail as { vendor_country?: unknown; category?: unknown; user?: unknown };
  return {
    device_id: r.deviceId, hostname: r.hostname, key: r.key, tool: r.toolId, name: r.name, vendor: r.vendor, vendor_country: typeof d.vendor_country === 'string' ? d.vendor_country : null,
    category: typeof d.category === 'string' ? d.category : null, version: r.version, channel: r.kind, user: typeof d.user === 'string' ? d.user : null, updated_at: new Date(r.updatedAt).toISOString(),
  };
}
function eventDto(e: StoredEvent) {
  return { seq: e.seq, device_id: e.deviceId, received_at: new Date(e.receivedAt).toISOString(), event: e.detail };
}
function eventRow(e: StoredEvent) {
  const d = e.detail as Record<string, unknown>;
  const s = (k: string): string | null => (typeof d[k] === 'string' ? (d[k] as string) : null);
  return { seq: e.seq, device_id: e.deviceId, received_at: new Date(e.receivedAt).toISOString(), time: s('time'), kind: e.kind, tool: e.toolId, action: e.action, rule: s('rule'), result: s('result'), detail: s('detail'), bundle_revision: s('bundle_revision') };
}

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

  app.get<{ Querystring: Static<typeof InventoryQuery> }>('/api/v1/inventory', { config: read, schema: { tags, description: 'Latest inventory findings across the fleet, filtered and paged (total = every match); ?format=csv|json exports them all', querystring: InventoryQuery } }, async (req, reply) => {
    const q = req.query;
    const f: InventoryFilter = {
      ...(q.tool !== undefined ? { toolId: q.tool } : {}),
      ...(q.vendor !== undefined ? { vendor: q.vendor } : {}),
      ...(q.vendor_country !== undefined ? { vendorCountry: q.vendor_country } : {}),
      ...(q.category !== undefined ? { category: q.category } : {}),
      ...(q.version !== undefined ? { version: q.version } : {}),
      ...(q.device !== undefined ? { deviceId: q.device } : {}),
      ...(q.user !== undefined ? { user: q.user } : {}),
      ...(q.hostname !== undefined ? { hostname: q.hostname } : {}),
    };
    if (q.group !== undefined) {
      const scope = await groupScope(store, core.groups, q.group);
      if (scope === null) throw badRequest(`no group ${q.group}`, 'unknown_group');
      if (scope.kind === 'device') f.deviceIds = scope.deviceIds;
      else f.logins = scope.logins;
    }
    if (q.format) return sendExport(core, req, reply, q.format, { name: 'inventory', columns: INVENTORY_COLUMNS, page: async (limit, offset) => (await store.queryInventory({ ...f, limit, offset })).map(inventoryItemDto) });
    const [rows, total] = await Promise.all([
      store.queryInventory({ ...f, ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.offset !== undefined ? { offset: q.offset } : {}) }),
      store.countInventory(f),
    ]);
    return { total, items: rows.map(inventoryItemDto) };
  });

  app.get<{ Querystring: Static<typeof EventsQuery> }>('/api/v1/events', { config: read, schema: { tags, description: 'Enforcement events as the agents reported them; ?format=csv|json exports them all', querystring: EventsQuery } }, async (req, reply) => {
    const q = req.query;
    const since = q.since !== undefined ? Date.parse(q.since) : undefined;
    const f = {
      ...(q.device !== undefined ? { deviceId: q.device } : {}),
      ...(q.kind !== undefined ? { kind: q.kind } : {}),
      ...(since !== undefined && Number.isFinite(since) ? { since } : {}),
      ...(q.before !== undefined ? { beforeSeq: q.before } : {}),
      ...(q.order === 'desc' ? { newestFirst: true } : {}),
    };
    if (q.format) return sendExport(core, req, reply, q.format, { name: 'events', columns: EVENT_COLUMNS, page: async (limit, offset) => (await store.queryEvents({ ...f, limit, offset })).map(eventRow) });
    const limit = q.limit ?? 1000;
    const rows = await store.queryEvents({ ...f, limit, ...(q.offset !== undefined ? { offset: q.offset } : {}) });
    // Newest first, a full page may have older events: next_before is the cursor for them.
    const last = rows.at(-1);
    return { events: rows.map(eventDto), next_before: q.order === 'desc' && rows.length === limit && last !== undefined ? last.seq : null };
  });
}
