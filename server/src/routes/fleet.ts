// What the console needs beyond the core API, all read-only and open to every admin role: fleet
// aggregates, devices with their verdicts (filtered, counted, paged — or exported), compliance over
// time, the rollout of the bundle being served, and the tool catalog for the ban-list editor.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { READ_ROLES } from '../auth/principal.ts';
import { PageQuery, Strict } from '../schemas/api.ts';
import { ExportFormat, sendExport } from '../reports/export.ts';
import type { Cell } from '../reports/csv.ts';
import type { Device, FleetDeviceFilter } from '../store/types.ts';
import { loadCatalog } from '../../../agent/src/catalog/load.ts';
import type { RouteContext } from './context.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const DAY_MS = 24 * 3600_000;

const DevicesQuery = Type.Object(
  {
    compliance: Type.Optional(Type.Union([Type.Literal('compliant'), Type.Literal('noncompliant'), Type.Literal('unknown')])),
    hostname: Type.Optional(Type.String({ maxLength: 255, description: 'substring of the hostname' })),
    bundle: Type.Optional(Type.Union([Type.Literal('current'), Type.Literal('behind')], { description: 'applied the bundle being served, or not yet' })),
    state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('revoked')])),
    ...PageQuery,
    ...ExportFormat,
  },
  Strict,
);
const HistoryQuery = Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })) }, Strict);

export const FLEET_DEVICE_COLUMNS = [
  'id', 'hostname', 'platform', 'agent_version', 'state', 'last_seen_at', 'bundle_revision', 'bundle_current', 'bundle_applied_at', 'compliance', 'strictest_action', 'banned_tools',
] as const;

export function fleetDeviceDto(d: Device, currentRevision: string | null) {
  return {
    id: d.id, hostname: d.hostname, platform: d.platform, agent_version: d.agentVersion, state: d.state, last_seen_at: iso(d.lastSeenAt),
    bundle_revision: d.bundleRevision, bundle_current: currentRevision !== null && d.bundleRevision === currentRevision, bundle_applied_at: iso(d.bundleAppliedAt),
    compliance: d.compliance, strictest_action: d.strictestAction, banned_tools: d.bannedTools,
  };
}

export async function fleetRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, now } = core;
  const tags = ['fleet'];
  const read = { auth: READ_ROLES };
  /** The revision agents should have: the bundle being served, else the ban list's own revision. */
  const currentRevision = async (): Promise<string> => core.bundleStatus()?.revision ?? (await core.banlist.snapshot()).revision;

  app.get('/api/v1/fleet/summary', { config: read, schema: { tags, description: 'Fleet counts: devices, check-ins in the last 24 h, compliance, agent versions, bundle revisions' } }, async () => {
    const [s, snap] = await Promise.all([store.fleetSummary(now() - DAY_MS), core.banlist.snapshot()]);
    const bundle = core.bundleStatus();
    const current = bundle?.revision ?? snap.revision;
    return {
      devices: s.devices, active: s.active, revoked: s.revoked, seen_last_24h: s.seenSince, compliance: s.compliance,
      agent_versions: s.agentVersions, bundle_revisions: s.bundleRevisions.map((r) => ({ ...r, current: r.revision === current })), platforms: s.platforms,
      ban_list: { revision: snap.revision, rules: snap.list.rules.length, mode: snap.list.mode },
      bundle: bundle ? { revision: bundle.revision, built_at: iso(bundle.builtAt), push_connected: bundle.connected } : null,
    };
  });

  app.get<{ Querystring: Static<typeof DevicesQuery> }>(
    '/api/v1/fleet/devices',
    { config: read, schema: { tags, description: "Devices with their agents' verdicts, filtered and paged (total = every match); ?format=csv|json exports them all", querystring: DevicesQuery } },
    async (req, reply) => {
      const q = req.query;
      const rev = await currentRevision();
      const f: FleetDeviceFilter = {
        ...(q.compliance ? { compliance: q.compliance } : {}),
        ...(q.hostname ? { hostname: q.hostname } : {}),
        ...(q.state ? { state: q.state } : {}),
        ...(q.bundle ? { bundle: q.bundle, currentRevision: rev } : {}),
      };
      if (q.format) {
        return sendExport(core, req, reply, q.format, {
          name: 'devices',
          columns: FLEET_DEVICE_COLUMNS,
          page: async (limit, offset) =>
            (await store.listFleetDevices({ ...f, limit, offset })).devices.map((d) => {
              const dto = fleetDeviceDto(d, rev);
              return { ...dto, banned_tools: dto.banned_tools.join(' ') } as Record<string, Cell>;
            }),
        });
      }
      const r = await store.listFleetDevices({ ...f, ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.offset !== undefined ? { offset: q.offset } : {}) });
      return { total: r.total, current_revision: rev, devices: r.devices.map((d) => fleetDeviceDto(d, rev)) };
    },
  );

  app.get<{ Querystring: Static<typeof HistoryQuery> }>(
    '/api/v1/fleet/compliance-history',
    { config: read, schema: { tags, description: 'Compliance samples over the last N days (default 30): stored when the counts change, at least hourly', querystring: HistoryQuery } },
    async (req) => {
      const samples = await store.complianceHistory(now() - (req.query.days ?? 30) * DAY_MS);
      return { samples: samples.map((s) => ({ at: iso(s.at), devices: s.devices, compliant: s.compliant, noncompliant: s.noncompliant, unknown: s.unknown, bundle_current: s.bundleCurrent, bundle_revision: s.bundleRevision })) };
    },
  );

  app.get('/api/v1/fleet/rollout', { config: read, schema: { tags, description: 'How far the bundle being served has reached: applied / pending devices (poll it to watch a rollout)' } }, async () => {
    const snap = await core.banlist.snapshot();
    const bundle = core.bundleStatus();
    const rev = bundle?.revision ?? snap.revision;
    const [applied, pending] = await Promise.all([
      store.listFleetDevices({ state: 'active', bundle: 'current', currentRevision: rev, limit: 50 }),
      store.listFleetDevices({ state: 'active', bundle: 'behind', currentRevision: rev, limit: 50 }),
    ]);
    const brief = (d: Device) => ({ id: d.id, hostname: d.hostname, bundle_revision: d.bundleRevision, bundle_applied_at: iso(d.bundleAppliedAt), last_seen_at: iso(d.lastSeenAt) });
    return {
      ban_list_revision: snap.revision,
      // The ban list changed but its bundle is not built yet (or failed to build): agents cannot have it.
      building: bundle !== null && bundle.revision !== snap.revision,
      bundle: bundle ? { revision: bundle.revision, built_at: iso(bundle.builtAt), push_connected: bundle.connected } : null,
      revision: rev,
      active: applied.total + pending.total,
      applied: applied.total,
      pending: pending.total,
      pending_devices: pending.devices.map(brief),
      applied_devices: applied.devices.map(brief),
    };
  });

  // The catalog is data shipped with the server; it is read once.
  let catalog: { id: string; name: string; vendor: string; vendor_country: string | null; category: string; kind: string }[] | null = null;
  app.get('/api/v1/catalog', { config: read, schema: { tags: ['ban list'], description: 'The AI-tool catalog: id, name, vendor, vendor country, category (for writing rules)' } }, async () => {
    catalog ??= loadCatalog().tools.map((t) => ({ id: t.id, name: t.name, vendor: t.vendor, vendor_country: t.vendor_country, category: t.category, kind: t.kind }));
    return { tools: catalog };
  });
}
