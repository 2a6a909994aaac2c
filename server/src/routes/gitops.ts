// Policy as code (`warden gitops plan|apply <dir>`): the ban list, the exceptions IT grants, hand-kept
// groups and webhooks from files, reconciled with the server. Exceptions gitops did not create (granted
// from employees' requests, or kept in the list by hand) are never touched and are listed as such.
// plan shows each change and the ban list's fleet impact; apply makes the changes through the same
// API calls an admin would make (each validated, audited and published as usual), refuses when the
// server was changed by hand since the last apply (unless forced), and records what it left so the
// next plan can tell. A section absent from the request is
// not managed (left as it is).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { BanList, PolicyException } from '../../../wire/src/banlist.ts';
import { EDIT_ROLES, READ_ROLES, actorName } from '../auth/principal.ts';
import { HttpError, badRequest, conflict } from '../http-error.ts';
import { Strict, Why } from '../schemas/api.ts';
import { draftProblems } from '../banlist/service.ts';
import { GroupDraft } from './groups.ts';
import { WebhookDraft } from './integrations.ts';
import {
  LAST_APPLY_SETTING, SECTIONS, banItems, diffItems, exceptionItems, exceptionKey, isGranted, groupItemsFromFile, groupItemsFromServer, hashItems, webhookItemsFromFile, webhookItemsFromServer,
  type ItemChange, type Items, type LastApply, type Section,
} from '../gitops/state.ts';
import type { RouteContext } from './context.ts';

const Documents = {
  bans: Type.Optional(BanList),
  groups: Type.Optional(Type.Array(GroupDraft, { maxItems: 5000 })),
  webhooks: Type.Optional(Type.Array(WebhookDraft, { maxItems: 200 })),
  exceptions: Type.Optional(Type.Array(PolicyException, { maxItems: 10_000, description: 'exceptions.json: the exceptions gitops manages (absent with bans present: the ban list\'s own exceptions)' })),
};
const PlanBody = Type.Object(Documents, Strict);
type PlanBody = Static<typeof PlanBody>;
const ApplyBody = Type.Object({ ...Documents, why: Why, force: Type.Optional(Type.Boolean({ description: 'apply although the server changed since the last apply' })) }, Strict);
type ApplyBody = Static<typeof ApplyBody>;

const iso = (ms: number): string => new Date(ms).toISOString();

export async function gitopsRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, groups, banlist, integrations, now } = core;
  const tags = ['gitops'];

  /** The keys of the exceptions gitops created (its last apply's, including ones kept in bans.json before exceptions.json). */
  const managedExceptions = (last: LastApply | null): Set<string> =>
    new Set([...(last?.sections.exceptions?.items ?? []), ...(last?.sections.bans?.items ?? [])].map(([k]) => k).filter((k) => k.startsWith('exception ')));

  /** The request with the exceptions in one place: exceptions.json, or else the ban list's own. */
  const normalize = <T extends PlanBody>(body: T): T => {
    if (!body.bans) return body;
    if (body.exceptions && body.bans.exceptions.length > 0) throw badRequest('bans.json: $.exceptions must be empty when exceptions.json exists (keep exceptions in one file)', 'invalid_exceptions');
    return { ...body, exceptions: body.exceptions ?? body.bans.exceptions, bans: { ...body.bans, exceptions: [] } } as T;
  };

  const serverItems = async (section: Section, last: LastApply | null, only?: ReadonlySet<string>): Promise<Items> => {
    if (section === 'bans') return banItems((await banlist.snapshot()).list);
    if (section === 'exceptions') return exceptionItems((await banlist.snapshot()).list.exceptions, only ?? managedExceptions(last));
    if (section === 'webhooks') return webhookItemsFromServer(await integrations.webhooks.list());
    const all = await groups.listGroups();
    return groupItemsFromServer(await Promise.all(all.filter((g) => g.source === 'api').map(async (g) => ({ group: g, members: await groups.members(g.id) }))));
  };
  const fileItems = (body: PlanBody, section: Section): Items | null => {
    if (section === 'bans') return body.bans ? banItems(body.bans) : null;
    if (section === 'groups') return body.groups ? groupItemsFromFile(body.groups) : null;
    if (section === 'exceptions') return body.exceptions ? exceptionItems(body.exceptions) : null;
    return body.webhooks ? webhookItemsFromFile(body.webhooks) : null;
  };

  const check = async (body: PlanBody, last: LastApply | null): Promise<void> => {
    if (body.exceptions) {
      const managed = managedExceptions(last);
      const onServer = new Map((await banlist.snapshot()).list.exceptions.map((e) => [e.id, e]));
      const ids = new Set<string>();
      body.exceptions.forEach((e, i) => {
        const at = `exceptions: $.exceptions[${i}].id`;
        if (isGranted(e)) throw badRequest(`${at} '${e.id}': ids starting with 'x-' are the exceptions approved from requests; pick another id`, 'invalid_exceptions');
        if (ids.has(e.id)) throw badRequest(`${at} '${e.id}' appears twice`, 'invalid_exceptions');
        ids.add(e.id);
        if (onServer.has(e.id) && !managed.has(exceptionKey(e.id))) throw badRequest(`${at} '${e.id}' is an exception on the server that gitops did not create (not managed by gitops); pick another id`, 'not_managed');
      });
    }
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
      // Only what that apply managed (bans: rules and settings; exceptions: the ones it created).
      const was: Items = new Map(section === 'bans' ? rec.items.filter(([k]) => !k.startsWith('exception ')) : rec.items);
      const cur = await serverItems(section, last, new Set(was.keys()));
      if (hashItems(cur) !== hashItems(was)) out.push({ section, changes: diffItems(was, cur) });
    }
    return out;
  };

  const plan = async (body: PlanBody, last: LastApply | null) => {
    const sections: Partial<Record<Section, ItemChange[]>> = {};
    for (const section of SECTIONS) {
      const want = fileItems(body, section);
      if (want) sections[section] = diffItems(await serverItems(section, last), want);
    }
    return sections;
  };

  /** The exceptions on the server gitops leaves alone (null when the request does not manage exceptions). */
  const unmanaged = async (body: PlanBody, last: LastApply | null) => {
    if (!body.exceptions) return null;
    const managed = managedExceptions(last);
    return (await banlist.snapshot()).list.exceptions
      .filter((e) => isGranted(e) || !managed.has(exceptionKey(e.id)))
      .map((e) => ({ ...e, source: isGranted(e) ? 'approved request' : 'kept in the ban list by hand' }));
  };

  /**
   * The ban list to store: the file's rules and settings (or the server's), with the server's
   * exceptions gitops does not manage followed by the file's. Granted ('x-') ones are added by the server.
   */
  const listToStore = async (body: PlanBody, last: LastApply | null): Promise<BanList> => {
    const cur = (await banlist.snapshot()).list;
    const base = body.bans ?? cur;
    const own = cur.exceptions.filter((e) => !isGranted(e));
    if (!body.exceptions) return { ...base, exceptions: own };
    const managed = managedExceptions(last);
    return { ...base, exceptions: [...own.filter((e) => !managed.has(exceptionKey(e.id))), ...body.exceptions] };
  };

  /** One of the admin API's own calls, as the caller (same token: same role checks and audit actor). */
  const call = async (req: FastifyRequest, method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<Record<string, unknown>> => {
    const r = await app.inject({ method, url, headers: { authorization: req.headers.authorization!, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}), remoteAddress: req.ip });
    const body = (r.body ? JSON.parse(r.body) : {}) as Record<string, unknown>;
    if (r.statusCode >= 400) throw new HttpError(r.statusCode === 403 ? 403 : 422, r.statusCode === 403 ? 'forbidden' : 'gitops_step_failed', `${method} ${url.split('?')[0]}: ${String(body.message ?? r.statusCode)}`);
    return body;
  };

  app.post<{ Body: PlanBody }>('/api/v1/gitops/plan', { config: { auth: READ_ROLES }, schema: { tags, body: PlanBody, description: 'What applying these documents would change, the ban list\'s fleet impact, and what changed by hand since the last apply (changes nothing)' } }, async (req) => {
    const body = normalize(req.body);
    const last = await lastApply();
    await check(body, last);
    let impact: unknown = null;
    let impact_error: string | null = null;
    if (body.bans || body.exceptions) {
      const r = await app.inject({ method: 'POST', url: '/api/v1/bans/diff', headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' }, payload: JSON.stringify({ list: await listToStore(body, last) }) });
      const b = JSON.parse(r.body) as { impact?: unknown; impact_error?: string | null; message?: string };
      [impact, impact_error] = r.statusCode === 200 ? [b.impact ?? null, b.impact_error ?? null] : [null, b.message ?? `HTTP ${r.statusCode}`];
    }
    return { changes: await plan(body, last), impact, impact_error, drift: await drift(last), unmanaged: await unmanaged(body, last), last_apply: last ? { at: iso(last.at), by: last.by, why: last.why } : null };
  });

  app.post<{ Body: ApplyBody }>('/api/v1/gitops/apply', { config: { auth: EDIT_ROLES }, schema: { tags, body: ApplyBody, description: 'Make the server match the documents (webhooks, then groups, then the ban list with its exceptions); 409 when it was changed by hand since the last apply unless force' } }, async (req) => {
    if (req.headers.authorization === undefined) throw badRequest('gitops apply takes an API token (Authorization: Bearer …), not a console session');
    const body = normalize(req.body);
    const last = await lastApply();
    await check(body, last);
    const drifted = await drift(last);
    if (drifted.length > 0 && !body.force) {
      const what = drifted.map((d) => `${d.section}: ${d.changes.slice(0, 10).map((c) => `${c.op} ${c.key}`).join(', ')}`).join('; ');
      throw conflict(`the server changed since the last apply (${last!.by}, ${iso(last!.at)}): ${what} — put it in the files, or apply --force to overwrite it`, 'drift');
    }
    const changes = await plan(body, last);
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
    if ((changes.bans ?? []).length + (changes.exceptions ?? []).length > 0) bundle = (await call(req, 'PUT', '/api/v1/bans', { list: await listToStore(body, last), why })).bundle ?? null;

    const record: LastApply = { at: now(), by: actorName(req.principal!), why: body.why, sections: {} };
    for (const section of SECTIONS) {
      const want = fileItems(body, section);
      if (!want) continue;
      const items = await serverItems(section, null, section === 'exceptions' ? new Set(want.keys()) : undefined);
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
