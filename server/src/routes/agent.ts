// Agent check-in: inventory (full or delta), enforcement events (batched, gzip accepted), status,
// and the employee's exception requests. Each answer is sent only after the database committed.
import type { FastifyInstance } from 'fastify';
import type { Finding } from '../../../wire/src/inventory.ts';
import { ErrorReply, EventsReply, EventsUpload, ExceptionRequest, InventoryReply, InventoryUpload, StatusUpload, type EventsUpload as EventsBody, type ExceptionRequest as ExceptionBody, type InventoryUpload as InventoryBody, type StatusUpload as StatusBody } from '../schemas/api.ts';
import { HttpError, badRequest } from '../http-error.ts';
import { newId } from '../auth/secrets.ts';
import type { DeviceVerdict, EventRow, InventoryRow } from '../store/types.ts';
import type { DecisionSummary } from '../../../wire/src/agent-status.ts';
import { LADDER_RANK, type Action } from '../../../wire/src/decision.ts';
import { VIOLATION_ACTIONS } from '../policy/impact.ts';
import type { ToolCatalog } from '../catalog.ts';
import { exceptionDto } from './dto.ts';
import type { RouteContext } from './context.ts';

/** Same id as the policy input's finding id (agent/src/policy/input.ts). */
export function findingKey(f: Finding): string {
  return `${f.tool_id}:${f.channel}:${f.user ?? '-'}`;
}

function toRows(findings: Finding[], catalog: ToolCatalog): InventoryRow[] {
  const seen = new Set<string>();
  return findings.map((reported) => {
    // Names, vendor and category are the catalog's; the device only says which tool it found.
    const f = catalog.name(reported);
    const key = findingKey(f);
    if (seen.has(key)) throw badRequest(`finding ${key} appears twice (one finding per tool × channel × user)`);
    seen.add(key);
    return { key, toolId: f.tool_id, name: f.name, vendor: f.vendor, version: f.version ?? '', kind: f.channel, detail: f as unknown as Record<string, unknown> };
  });
}

/** What the agent's own decisions say about the device: it holds a banned tool when any finding is
 * decided notify/warn/block/quarantine (monitor-mode decisions count: the tool is there). */
export function verdictOf(decisions: DecisionSummary[]): DeviceVerdict {
  const bad = decisions.filter((d) => VIOLATION_ACTIONS.includes(d.action));
  const strictest = decisions.reduce<Action>((m, d) => (LADDER_RANK[d.action] > LADDER_RANK[m] ? d.action : m), 'allow');
  return { compliance: bad.length > 0 ? 'noncompliant' : 'compliant', strictestAction: strictest, bannedTools: [...new Set(bad.map((d) => d.tool))].sort() };
}

const deviceOf = (p: unknown): string => {
  const pr = p as { kind?: string; deviceId?: string } | null;
  if (pr?.kind !== 'device' || !pr.deviceId) throw new HttpError(401, 'unauthorized', 'a device credential is required');
  return pr.deviceId;
};

export async function agentRoutes(app: FastifyInstance, { core, uploadBodyLimit }: RouteContext): Promise<void> {
  const { store, now, metrics } = core;
  const tags = ['agent'];

  app.post<{ Body: InventoryBody }>(
    '/api/v1/agent/inventory',
    { bodyLimit: uploadBodyLimit, config: { auth: 'device' }, schema: { tags, description: 'Upload the inventory: full, or a delta on top of base_seq', body: InventoryUpload, response: { 200: InventoryReply, '4xx': ErrorReply } } },
    async (req) => {
      const deviceId = deviceOf(req.principal);
      const b = req.body;
      metrics.checkins.inc({ kind: `inventory_${b.kind}` });
      if (b.kind === 'full') {
        const rows = toRows(b.inventory.findings, core.catalog);
        const r = await store.replaceInventory(deviceId, b.seq, rows, now());
        if (r === 'ok') await store.updateDeviceHost(deviceId, b.inventory.host.hostname.slice(0, 255), b.inventory.host.os.platform, b.inventory.host.serial?.slice(0, 128) ?? null);
        return { result: r, seq: b.seq, items: rows.length };
      }
      if (b.seq <= b.base_seq) throw badRequest(`seq (${b.seq}) must be greater than base_seq (${b.base_seq})`);
      const rows = toRows(b.upserts, core.catalog);
      if (new Set(b.removed).size !== b.removed.length) throw badRequest('removed lists a key twice');
      const r = await store.applyInventoryDelta(deviceId, b.base_seq, b.seq, rows, b.removed, now());
      if (r === 'gap') {
        const d = await store.getDevice(deviceId);
        throw new HttpError(409, 'inventory_gap', `the server holds inventory seq ${d?.inventorySeq ?? 0}, not base_seq ${b.base_seq}: send a full inventory`);
      }
      return { result: r, seq: b.seq, items: rows.length };
    },
  );

  app.post<{ Body: EventsBody }>(
    '/api/v1/agent/events',
    { bodyLimit: uploadBodyLimit, config: { auth: 'device' }, schema: { tags, description: 'Upload a batch of enforcement events (idempotent per batch_id and event id; gzip accepted)', body: EventsUpload, response: { 200: EventsReply, '4xx': ErrorReply } } },
    async (req) => {
      const deviceId = deviceOf(req.principal);
      const rows: EventRow[] = req.body.events.map((e, i) => {
        const at = Date.parse(e.time);
        if (!Number.isFinite(at)) throw badRequest(`events/${i}/time is not a usable instant`);
        return { eventId: e.id, at, kind: e.kind, toolId: e.tool, action: e.action, detail: e as unknown as Record<string, unknown> };
      });
      const r = await store.insertEvents(deviceId, req.body.batch_id, rows, now());
      metrics.checkins.inc({ kind: 'events' });
      metrics.eventsIngested.inc(r.duplicate ? 0 : r.stored);
      return { batch_id: req.body.batch_id, stored: r.stored, duplicate: r.duplicate };
    },
  );

  app.post<{ Body: StatusBody }>(
    '/api/v1/agent/status',
    { config: { auth: 'device' }, schema: { tags, description: 'Report the applied bundle revision and recent errors', body: StatusUpload, response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, '4xx': ErrorReply } } },
    async (req) => {
      const deviceId = deviceOf(req.principal);
      const { bundle_revision, ...rest } = req.body;
      // Without a bundle there is nothing decided yet: the verdict stays unknown.
      const verdict = rest.decisions && bundle_revision !== null ? verdictOf(rest.decisions) : undefined;
      await store.setDeviceStatus(deviceId, now(), bundle_revision, rest, verdict);
      metrics.checkins.inc({ kind: 'status' });
      return { ok: true };
    },
  );

  app.get('/api/v1/agent/exceptions', { config: { auth: 'device' }, schema: { tags, description: "This device's exception requests and their state" } }, async (req) => {
    const deviceId = deviceOf(req.principal);
    return { exceptions: (await store.listExceptions({ deviceId })).map(exceptionDto) };
  });

  app.post<{ Body: ExceptionBody }>(
    '/api/v1/agent/exceptions',
    { config: { auth: 'device' }, schema: { tags, description: 'The employee asks for an exception for one tool on this device', body: ExceptionRequest } },
    async (req, reply) => {
      const deviceId = deviceOf(req.principal);
      const pending = await store.listExceptions({ deviceId, state: 'pending' });
      if (pending.length >= 20) throw new HttpError(429, 'too_many_requests', 'this device already has 20 pending exception requests');
      const { local_user, requested_by } = req.body;
      if (local_user !== undefined && requested_by !== undefined && local_user !== requested_by) throw badRequest('local_user and requested_by (its older name) differ: send local_user only');
      // The requester is the device the credential proves; which local user asked is only the device's word.
      const rec = { id: newId(), deviceId, toolId: req.body.tool, reason: req.body.reason, requestedBy: `device:${deviceId}`, deviceReportedUser: local_user ?? requested_by ?? null, requestedDays: req.body.duration_days ?? null, requestedAt: now(), state: 'pending' as const, decidedBy: null, decidedAt: null, decisionNote: null, expiresAt: null };
      await store.createException(rec);
      await core.audit(req, 'exception.request', `exception:${rec.id}`, { device: deviceId, tool: rec.toolId, device_reported_user: rec.deviceReportedUser });
      return reply.code(201).send(exceptionDto(rec));
    },
  );
}
