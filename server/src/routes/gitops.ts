// Policy as code (`warden gitops plan|apply <dir>`): the ban list, hand-kept groups and webhooks from
// files, reconciled with the server. plan shows each change and the ban list's fleet impact; apply
// makes the changes through the same API calls an admin would make (each validated, audited and
// published as usual), refuses when the server was changed by hand since the last apply (unless
// forced), and records what it left so the next plan can tell. A section absent from the request is
// not managed (left as it is).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BanList } from '../../../wire/src/banlist.ts';
import { EDIT_ROLES, READ_ROLES, actorName } from '../auth/principal.ts';
import { HttpError, badRequest, conflict } from '../http-error.ts';
import { Strict, Why } from '../schemas/api.ts';
import { draftProblems } from '../banlist/service.ts';
import { GroupDraft } from './groups.ts';
import { WebhookDraft } from './integrations.ts';
import {
  LAST_APPLY_SETTING, SECTIONS, banItems, diffItems, groupItemsFromFile, groupItemsFromServer, hashItems, webhookItemsFromFile, webhookItemsFromServer,
  type ItemChange, type Items, type LastApply, type Section,
} from '../gitops/state.ts';
import type { RouteContext } from './context.ts';

const Documents = {
  bans: Type.Optional(BanList),
  groups: Type.Optional(Type.Array(GroupDraft, { maxItems: 5000 })),
  webhooks: Type.Optional(Type.Array(WebhookDraft, { maxItems: 200 })),
};
const PlanBody = Type.Object(Documents, Strict);
type PlanBody = Static<typeof PlanBody>;
const ApplyBody = Type.Object({ ...Documents, why: Why, force: Type.Optional(Type.Boolean({ description: 'apply although the server changed since the last apply' })) }, Strict);
type ApplyBody = Static<typeof ApplyBody>;

const iso = (ms: number): string => new Date(ms).toISOString();

export async function gitopsRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, groups, banlist, integrations, now } = core;
  const tags = ['gitops'];

  const serverItems = async (section: Section): Promise<Items> => {
    if (section === 'bans') return banItems((await banlist.snapshot()).list);
    if (section === 'webhooks') return webhookItemsFromServer(await integrations.webhooks.list());
    const all = await groups.listGroups();
    return groupItemsFromServer(await Promise.all(all.filter((g) => g.source === 'api').map(async (g) => ({ group: g, members: await groups.members(g.id) }))));
  };
  const fileItems = (body: PlanBody, section: Section): Items | null => {
    if (section === 'bans') return body.bans ? banItems(body.bans) : null;
    if (section === 'groups') return body.groups ? groupItemsFromFile(body.groups) : null;
    return body.webhooks ? webhookItemsFromFile(body.webhooks) : null;
  };

  const check = async (body: PlanBody): Promise<void> => {
    if (body.bans) {
      const problems = draftProblems(body.bans);
      if (problems.length > 0) throw badRequest(`bans: ${problems.slice(0, 5).join('; ')}`, 'invalid_ban_list');
    }
    const seen = new Set<string>();
    for (const g of body.groups ?? []) {
      const key = `${g.kind}:${g.name.trim().toLowerCase()}`;
      if (seen.has(key)) throw badRequest(`groups: the ${g.kind} group '${g.name}' appears twice`, 'invalid_group');
      seen.add(key);
      const existing = await groups.getGroupByName(g.kind, g.name);
      if (existing?.source === 'scim') throw badRequest(`groups: '${g.name}' is provisioned by SCIM; it cannot be kept in files`, 'managed_by_scim');
    }
    const names = new Set<string>();
    for (const w of body.webhooks ?? []) {
      if (names.has(w.name)) throw badRequest(`webhooks: '${w.name}' appears twice`, 'invalid_webhook');
      names.add(w.name);
    }
  };

  const lastApply = async (): Promise<LastApply | null> => {
    const v = await store.getSetting(LAST_APPLY_SETTING);
    return v ? (JSON.parse(v) as LastApply) : null;
  };

  /** What changed on the server since the last apply, per section that apply managed. */
  const drift = async (last: LastApply | null): Promise<{ section: Section; changes: ItemChange[] }[]> => {
    const out: { section: Section; changes: ItemChange[] }[] = [];
    for (const section of SECTIONS) {
      const rec = last?.sections[section];
      if (!rec) continue;
      const cur = await serverItems(section);
      if (hashItems(cur) !== rec.hash) out.push({ section, changes: diffItems(new Map(rec.items), cur) });
    }
    return out;
  };

  const plan = async (body: PlanBody) => {
    const sections: Partial<Record<Section, ItemChange[]>> = {};
    for (const section of SECTIONS) {
      const want = fileItems(body, section);
      if (want) sections[section] = diffItems(await serverItems(section), want);
    }
    return sections;
  };

  /** One of the admin API's own calls, as the caller (same token: same role checks and audit actor). */
  const call = async (req: FastifyRequest, method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<Record<string, unknown>> => {
    const r = await app.inject({ method, url, headers: { authorization: req.headers.authorization!, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}), remoteAddress: req.ip });
    const body = (r.body ? JSON.parse(r.body) : {}) as Record<string, unknown>;
    if (r.statusCode >= 400) throw new HttpError(r.statusCode === 403 ? 403 : 422, r.statusCode === 403 ? 'forbidden' : 'gitops_step_failed', `${method} ${url.split('?')[0]}: ${String(body.message ?? r.statusCode)}`);
    return body;
  };

  app.post<{ Body: PlanBody }>('/api/v1/gitops/plan', { config: { auth: READ_ROLES }, schema: { tags, body: PlanBody, description: 'What applying these documents would change, the ban list\'s fleet impact, and what changed by hand since the last apply (changes nothing)' } }, async (req) => {
    await check(req.body);
    const last = await lastApply();
    let impact: unknown = null;
    let impact_error: string | null = null;
    if (req.body.bans) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/bans/diff', headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' }, payload: JSON.stringify({ list: req.body.bans }) });
      const b = JSON.parse(r.body) as { impact?: unknown; impact_error?: string | null; message?: string };
      [impact, impact_error] = r.statusCode === 200 ? [b.impact ?? null, b.impact_error ?? null] : [null, b.message ?? `HTTP ${r.statusCode}`];
    }
    return { changes: await plan(req.body), impact, impact_error, drift: await drift(last), last_apply: last ? { at: iso(last.at), by: last.by, why: last.why } : null };
  });

  app.post<{ Body: ApplyBody }>('/api/v1/gitops/apply', { config: { auth: EDIT_ROLES }, schema: { tags, body: ApplyBody, description: 'Make the server match the documents (webhooks, then groups, then the ban list); 409 when it was changed by hand since the last apply unless force' } }, async (req) => {
    if (req.headers.authorization === undefined) throw badRequest('gitops apply takes an API token (Authorization: Bearer …), not a console session');
    const body = req.body;
    await check(body);
    const last = await lastApply();
    const drifted = await drift(last);
    if (drifted.length > 0 && !body.force) {
      const what = drifted.map((d) => `${d.section}: ${d.changes.slice(0, 10).map((c) => `${c.op} ${c.key}`).join(', ')}`).join('; ');
      throw conflict(`the server changed since the last apply (${last!.by}, ${iso(last!.at)}): ${what} — put it in the files, or apply --force to overwrite it`, 'drift');
    }
    const changes = await plan(body);
    const why = `gitops: ${body.why}`;
    const secrets: { name: string; secret: string }[] = [];
    let bundle: unknown = null;

    for (const c of changes.webhooks ?? []) {
      const name = c.key.slice('webhook '.length);
      const draft = body.webhooks!.find((w) => w.name === name);
      const cur = await integrations.webhooks.getByName(name);
      if (c.op === 'create') {
        const r = await call(req, 'POST', '/api/v1/webhooks', { webhook: draft, why });
        secrets.push({ name, secret: String(r.secret) });
      } else if (c.op === 'update') await call(req, 'PUT', `/api/v1/webhooks/${cur!.id}`, { webhook: draft, why });
      else await call(req, 'DELETE', `/api/v1/webhooks/${cur!.id}?why=${encodeURIComponent(why)}`);
    }
    const groupOf = (key: string) => {
      const [kind, , ...rest] = key.split(' ');
      return { kind: kind as 'user' | 'device', name: rest.join(' ') };
    };
    for (const c of changes.groups ?? []) {
      const { kind, name } = groupOf(c.key);
      const draft = body.groups!.find((g) => g.kind === kind && g.name.trim().toLowerCase() === name);
      const cur = await groups.getGroupByName(kind, name);
      if (c.op === 'create') await call(req, 'POST', '/api/v1/groups', { group: draft, why });
      else if (c.op === 'update') await call(req, 'PUT', `/api/v1/groups/${cur!.id}`, { group: draft, why });
      else await call(req, 'DELETE', `/api/v1/groups/${cur!.id}?why=${encodeURIComponent(why)}`);
    }
    if ((changes.bans ?? []).length > 0) bundle = (await call(req, 'PUT', '/api/v1/bans', { list: body.bans, why })).bundle ?? null;

    const record: LastApply = { at: now(), by: actorName(req.principal!), why: body.why, sections: {} };
    for (const section of SECTIONS) {
      if (!fileItems(body, section)) continue;
      const items = await serverItems(section);
      record.sections[section] = { hash: hashItems(items), items: [...items] };
    }
    await store.setSetting(LAST_APPLY_SETTING, JSON.stringify(record));
    const total = SECTIONS.reduce((n, s) => n + (changes[s]?.length ?? 0), 0);
    if (total > 0 || drifted.length > 0) {
      await core.audit(req, 'gitops.apply', 'gitops', { why: body.why, forced: drifted.length > 0, changes: Object.fromEntries(SECTIONS.filter((s) => changes[s]).map((s) => [s, changes[s]!.map((c) => `${c.op} ${c.key}`)])) });
    }
    return { changes, secrets, bundle, overwrote: drifted };
  });
}
