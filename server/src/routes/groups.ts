// Group administration: user groups kept by hand (OS logins) and device groups (devices labelled by
// hand and/or a rule over reported facts), versioned and audited like the ban list; SCIM-provisioned
// groups are shown here but changed only by the identity provider. Plus the directory as provisioned,
// the SCIM login mapping and the SCIM client's token. Reads: every admin role; changes: admin or
// policy-editor; SCIM set-up: admin.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ADMIN_ROLES, EDIT_ROLES, READ_ROLES, actorName } from '../auth/principal.ts';
import { badRequest, conflict, notFound } from '../http-error.ts';
import { IdParam, PageQuery, Strict, Why, type IdParam as Id } from '../schemas/api.ts';
import { DeviceRule, compileRule } from '../groups/rule.ts';
import { deviceFacts } from '../groups/memberships.ts';
import { deviceMember, loginMember, type GroupFields, type GroupRecord, type GroupVersion } from '../groups/store.ts';
import { LoginMapping } from '../groups/login-mapping.ts';
import { ScimService } from '../scim/service.ts';
import { createUser, issueApiToken } from './access.ts';
import { newSecret } from '../auth/secrets.ts';
import type { Device } from '../store/types.ts';
import type { RouteContext } from './context.ts';

const GroupName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
export const GroupDraft = Type.Object(
  {
    kind: Type.Union([Type.Literal('user'), Type.Literal('device')]),
    name: GroupName,
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    rule: Type.Optional(Type.Union([DeviceRule, Type.Null()])),
    members: Type.Optional(
      Type.Object(
        {
          devices: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 20_000, uniqueItems: true, description: 'device groups: device ids labelled by hand' })),
          logins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 20_000, uniqueItems: true, description: 'user groups: OS logins (as agents report them)' })),
        },
        Strict,
      ),
    ),
  },
  Strict,
);
export type GroupDraft = Static<typeof GroupDraft>;
const GroupBody = Type.Object({ group: GroupDraft, why: Why, expect_version: Type.Optional(Type.Integer({ minimum: 1 })) }, Strict);
type GroupBody = Static<typeof GroupBody>;
const PreviewBody = Type.Object({ group: GroupDraft }, Strict);
const DeleteQuery = Type.Object({ why: Why, expect_version: Type.Optional(Type.Integer({ minimum: 1 })) }, Strict);
const HistoryQuery = Type.Object({ group: Type.Optional(Type.String({ maxLength: 200 })), ...PageQuery }, Strict);
const DirectoryQuery = Type.Object({ login: Type.Optional(Type.String({ maxLength: 256 })), ...PageQuery }, Strict);
const ScimConfigBody = Type.Object({ login_mapping: LoginMapping, why: Why }, Strict);
const ScimTokenBody = Type.Object({ username: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._@-]+$' })), expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) }, Strict);

const iso = (ms: number): string => new Date(ms).toISOString();

export function groupDto(g: GroupRecord, members?: number) {
  return {
    id: g.id, kind: g.kind, name: g.name, source: g.source, external_id: g.externalId, description: g.description, rule: g.rule, version: g.version,
    created_by: g.createdBy, created_at: iso(g.createdAt), updated_by: g.updatedBy, updated_at: iso(g.updatedAt), ...(members !== undefined ? { members } : {}),
  };
}
export function groupVersionDto(v: GroupVersion) {
  return { revision: v.revision, group_id: v.groupId, version: v.version, op: v.op, detail: v.detail, by: v.by, at: iso(v.at), why: v.why };
}

export async function groupRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, groups, now } = core;
  const tags = ['groups'];
  const scim = new ScimService(store, groups, now);

  /** All active devices (for rule previews and membership listings). */
  const allDevices = async (): Promise<Device[]> => {
    const out: Device[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await store.listDevices({ limit: 1000, offset });
      out.push(...page.filter((d) => d.state === 'active'));
      if (page.length < 1000) return out;
    }
  };

  /** Checks a draft against its kind; returns the fields and member strings to store. */
  const normalize = async (d: GroupDraft): Promise<{ fields: Omit<GroupFields, 'source'>; members: string[] }> => {
    if (d.kind === 'user' && d.rule) throw badRequest('a user group has no rule (its members are OS logins, or it is provisioned by SCIM)', 'invalid_group');
    if (d.kind === 'user' && d.members?.devices) throw badRequest('a user group lists logins, not devices', 'invalid_group');
    if (d.kind === 'device' && d.members?.logins) throw badRequest('a device group lists devices, not logins', 'invalid_group');
    const devices = d.members?.devices ?? [];
    for (const id of devices) if (!(await store.getDevice(id))) throw badRequest(`no device ${id}`, 'invalid_group');
    return {
      fields: { kind: d.kind, name: d.name.trim(), externalId: null, description: d.description ?? '', rule: d.rule ?? null },
      members: d.kind === 'device' ? devices.map(deviceMember) : [...new Set((d.members?.logins ?? []).map(loginMember))],
    };
  };

  const checkResult = <T>(r: T | { exists: string } | { missing: string } | { conflict: number }, kind: string): T => {
    const x = r as { exists?: string; missing?: string; conflict?: number };
    if (x.exists !== undefined) throw conflict(`a ${kind} group named '${x.exists}' already exists`, 'group_exists');
    if (x.missing !== undefined) throw notFound(`no group ${x.missing}`);
    if (x.conflict !== undefined) throw conflict(`the group is at version ${x.conflict}: reload and try again`, 'version_conflict');
    return r as T;
  };

  const needEditable = async (id: string): Promise<GroupRecord> => {
    const g = await groups.getGroup(id);
    if (!g) throw notFound(`no group ${id}`);
    if (g.source === 'scim') throw conflict(`group '${g.name}' is provisioned by SCIM: change it in the identity provider`, 'managed_by_scim');
    return g;
  };

  const audit = (req: FastifyRequest, action: string, g: GroupRecord, detail: Record<string, unknown>) => core.audit(req, action, `group:${g.id}`, { kind: g.kind, name: g.name, ...detail });

  app.get('/api/v1/groups', { config: { auth: READ_ROLES }, schema: { tags, description: 'User and device groups with member counts' } }, async () => {
    const counts = await groups.memberCounts();
    return { revision: await groups.revision(), groups: (await groups.listGroups()).map((g) => groupDto(g, counts.get(g.id) ?? 0)) };
  });

  app.get<{ Querystring: Static<typeof HistoryQuery> }>('/api/v1/groups/history', { config: { auth: READ_ROLES }, schema: { tags, querystring: HistoryQuery, description: 'Every change to groups and their members, newest first' } }, async (req) => ({
    history: (await groups.history(req.query.group, req.query.limit ?? 100, req.query.offset ?? 0)).map(groupVersionDto),
  }));

  app.get<{ Params: Id }>('/api/v1/groups/:id', { config: { auth: READ_ROLES }, schema: { tags, params: IdParam, description: 'A group and who is in it: devices (by label or rule) or people (directory users and logins)' } }, async (req) => {
    const g = await groups.getGroup(req.params.id);
    if (!g) throw notFound(`no group ${req.params.id}`);
    const members = await groups.members(g.id);
    if (g.kind === 'device') {
      const labelled = new Set(members.map((m) => m.slice('device:'.length)));
      const test = g.rule ? compileRule(g.rule) : null;
      const rows = (await allDevices())
        .map((d) => ({ d, byLabel: labelled.has(d.id), byRule: test !== null && test(deviceFacts(d)) }))
        .filter((x) => x.byLabel || x.byRule)
        .map(({ d, byLabel, byRule }) => ({ id: d.id, hostname: d.hostname, platform: d.platform, via: byLabel && byRule ? 'label+rule' : byLabel ? 'label' : 'rule' }));
      return { group: groupDto(g, members.length), devices: rows };
    }
    const userIds = members.filter((m) => m.startsWith('user:')).map((m) => m.slice('user:'.length));
    const users = await groups.getUsers(userIds);
    return {
      group: groupDto(g, members.length),
      users: users.map((u) => ({ id: u.id, user_name: u.userName, login: u.login, active: u.active })).sort((a, b) => a.user_name.localeCompare(b.user_name)),
      logins: members.filter((m) => m.startsWith('login:')).map((m) => m.slice('login:'.length)),
    };
  });

  app.post<{ Body: GroupBody }>('/api/v1/groups', { config: { auth: EDIT_ROLES }, schema: { tags, body: GroupBody, description: 'Create a user group (logins) or device group (labels and/or a rule)' } }, async (req, reply) => {
    const n = await normalize(req.body.group);
    const r = checkResult(await groups.saveGroup({ newId: crypto.randomUUID(), fields: { ...n.fields, source: 'api' }, members: n.members }, actorName(req.principal!), now(), req.body.why), req.body.group.kind);
    await audit(req, 'group.create', r.group, { revision: r.revision, members: n.members.length, rule: r.group.rule, why: req.body.why });
    return reply.code(201).send({ revision: r.revision, group: groupDto(r.group, n.members.length) });
  });

  app.put<{ Params: Id; Body: GroupBody }>('/api/v1/groups/:id', { config: { auth: EDIT_ROLES }, schema: { tags, params: IdParam, body: GroupBody, description: 'Replace a group kept by hand (expect_version makes it compare-and-set)' } }, async (req) => {
    const cur = await needEditable(req.params.id);
    if (cur.kind !== req.body.group.kind) throw badRequest(`group ${cur.id} is a ${cur.kind} group`, 'invalid_group');
    const n = await normalize(req.body.group);
    const r = checkResult(
      await groups.saveGroup({ id: cur.id, fields: { ...n.fields, source: 'api' }, members: n.members, ...(req.body.expect_version !== undefined ? { expectVersion: req.body.expect_version } : {}) }, actorName(req.principal!), now(), req.body.why),
      cur.kind,
    );
    if (r.changed) await audit(req, 'group.update', r.group, { revision: r.revision, version: r.group.version, why: req.body.why });
    return { revision: r.revision, changed: r.changed, group: groupDto(r.group, n.members.length) };
  });

  app.delete<{ Params: Id; Querystring: Static<typeof DeleteQuery> }>('/api/v1/groups/:id', { config: { auth: EDIT_ROLES }, schema: { tags, params: IdParam, querystring: DeleteQuery, description: 'Delete a group kept by hand (why is required)' } }, async (req) => {
    const cur = await needEditable(req.params.id);
    const r = checkResult(await groups.deleteGroup(cur.id, actorName(req.principal!), now(), req.query.why, req.query.expect_version), cur.kind);
    await audit(req, 'group.delete', cur, { revision: r.revision, why: req.query.why });
    return { revision: r.revision, deleted: cur.id };
  });

  // Read-only: which devices a draft device group would hold (for trying a rule before saving it).
  app.post<{ Body: Static<typeof PreviewBody> }>('/api/v1/groups/preview', { config: { auth: READ_ROLES }, schema: { tags, body: PreviewBody, description: 'Devices a draft device group would hold (changes nothing)' } }, async (req) => {
    const n = await normalize(req.body.group);
    if (n.fields.kind !== 'device') throw badRequest('only device groups can be previewed (user groups list their members)', 'invalid_group');
    const labelled = new Set(n.members.map((m) => m.slice('device:'.length)));
    const test = n.fields.rule ? compileRule(n.fields.rule) : null;
    const devices = (await allDevices()).filter((d) => labelled.has(d.id) || (test !== null && test(deviceFacts(d))));
    return { devices: devices.map((d) => ({ id: d.id, hostname: d.hostname, platform: d.platform, via: labelled.has(d.id) ? 'label' : 'rule' })) };
  });

  // ---- the directory as provisioned by SCIM
  app.get<{ Querystring: Static<typeof DirectoryQuery> }>('/api/v1/directory/users', { config: { auth: READ_ROLES }, schema: { tags, querystring: DirectoryQuery, description: 'People provisioned by SCIM, the OS login each maps to, and their groups' } }, async (req) => {
    const all = await groups.findUsers(req.query.login !== undefined ? { login: req.query.login } : undefined);
    const offset = req.query.offset ?? 0;
    const page = all.slice(offset, offset + (req.query.limit ?? 100));
    const listing = await groups.groupsListing(page.map((u) => `user:${u.id}`));
    const names = new Map((await groups.listGroups('user')).map((g) => [g.id, g.name]));
    return {
      total: all.length,
      users: page.map((u) => ({
        id: u.id, user_name: u.userName, external_id: u.externalId, login: u.login, active: u.active, updated_at: iso(u.updatedAt),
        groups: listing.filter((l) => l.member === `user:${u.id}`).map((l) => names.get(l.groupId) ?? l.groupId).sort(),
      })),
    };
  });

  app.get('/api/v1/scim/config', { config: { auth: READ_ROLES }, schema: { tags, description: 'How SCIM users map to OS logins' } }, async () => ({ login_mapping: await scim.loginMapping(), users: await groups.countUsers() }));

  app.put<{ Body: Static<typeof ScimConfigBody> }>('/api/v1/scim/config', { config: { auth: ADMIN_ROLES }, schema: { tags, body: ScimConfigBody, description: "Change the login mapping; every directory user's login is recomputed" } }, async (req) => {
    const before = await scim.loginMapping();
    const changed = await scim.applyLoginMapping(req.body.login_mapping);
    await core.audit(req, 'scim.config', 'scim:login_mapping', { before, after: req.body.login_mapping, logins_changed: changed, why: req.body.why });
    return { login_mapping: req.body.login_mapping, logins_changed: changed };
  });

  // The identity provider's credential: an API token of a 'scim' user (created on first use, with a
  // random password nobody knows). Shown once.
  app.post<{ Body: Static<typeof ScimTokenBody> }>('/api/v1/scim/token', { config: { auth: ADMIN_ROLES }, schema: { tags, body: ScimTokenBody, description: 'Issue a bearer token for the SCIM client (role scim; shown once)' } }, async (req, reply) => {
    const username = req.body.username ?? 'scim-provisioner';
    let user = await store.getUserByName(username);
    if (user && user.role !== 'scim') throw conflict(`user '${username}' exists with role ${user.role}, not scim`, 'wrong_role');
    if (!user) {
      await createUser(store, username, 'scim', newSecret(), now());
      user = await store.getUserByName(username);
      await core.audit(req, 'user.create', `user:${username}`, { role: 'scim' });
    }
    const expiresAt = req.body.expires_in_days ? now() + req.body.expires_in_days * 86_400_000 : null;
    const t = await issueApiToken(store, user!.id, 'scim', expiresAt, now());
    await core.audit(req, 'token.create', `token:${t.id}`, { name: 'scim', for: username, expires_at: expiresAt });
    return reply.code(201).send({ username, token: t.token, token_id: t.id, expires_at: expiresAt === null ? null : iso(expiresAt), base_url: `${req.protocol}://${req.host}/scim/v2` });
  });
}

