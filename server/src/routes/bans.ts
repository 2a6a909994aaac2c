// Ban-list administration: every change is a versioned entry with who/when/why, applied in one
// transaction that bumps the list revision; then the bundle publisher is told (banlist 'change').
// Reads and previews are open to every admin role; changes need admin or policy-editor.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { BanList } from '../../../wire/src/banlist.ts';
import { EDIT_ROLES, READ_ROLES, actorName } from '../auth/principal.ts';
import { HttpError, badRequest, conflict, notFound } from '../http-error.ts';
import { DeleteQuery, DraftBody, IdParam, ListBody, PageQuery, RuleBody, Strict, type DeleteQuery as DeleteQ, type DraftBody as Draft, type IdParam as Id, type ListBody as ListB, type RuleBody as RuleB } from '../schemas/api.ts';
import { BundleBuildError, draftProblems } from '../banlist/service.ts';
import { previewImpact } from '../policy/impact.ts';
import type { BanChange } from '../store/types.ts';
import { banEntryDto, banVersionDto } from './dto.ts';
import { ExportFormat, sendExport } from '../reports/export.ts';
import type { RouteContext } from './context.ts';

const HistoryQuery = Type.Object({ entry: Type.Optional(Type.String({ maxLength: 200 })), ...PageQuery, ...ExportFormat }, Strict);
const HISTORY_COLUMNS = ['revision', 'entry_id', 'version', 'op', 'by', 'at', 'why', 'entry'] as const;

export async function banRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, now, banlist, evaluator } = core;
  const tags = ['ban list'];

  const checkDraft = (list: BanList): void => {
    const problems = draftProblems(list);
    if (problems.length > 0) throw badRequest(`invalid ban list: ${problems.slice(0, 5).join('; ')}`, 'invalid_ban_list');
  };

  /**
   * Checks the list as it will be after `changes` (schema, sizes and depth, then a dry-run bundle
   * build), applies the changes, audits each and publishes. A list no bundle can be built from is
   * refused with the reason and nothing is stored; `bundle` in the answer says what became of the
   * bundle (published, or failed — then the rollout status, metrics and audit log say so too).
   */
  const commit = async (req: FastifyRequest, changes: BanChange[], expectRevision: number | undefined, draft: BanList) => {
    const by = actorName(req.principal!);
    checkDraft(draft);
    if (changes.length > 0) {
      try {
        await banlist.check({ ...draft, revision: 'check' });
      } catch (e) {
        if (!(e instanceof BundleBuildError)) throw e;
        await core.audit(req, 'ban.publish_refused', 'ban-list', { error: e.message, changes: changes.map((c) => `${c.op} ${c.id}`) });
        throw new HttpError(422, 'bundle_build_failed', `not published (nothing was changed): no bundle can be built from this ban list: ${e.message}`);
      }
    }
    const r = await store.changeBans(changes, by, now(), expectRevision);
    if (r === 'conflict') throw conflict('the ban list changed meanwhile (revision mismatch): reload and try again', 'revision_conflict');
    if ('missing' in r) throw notFound(`no ban-list entry ${r.missing}`);
    if ('exists' in r) throw conflict(`ban-list entry ${r.exists} already exists`);
    for (const c of changes) await core.audit(req, `ban.${c.op}`, `ban:${c.id}`, { revision: r.revision, why: c.why });
    const snapshot = changes.length > 0 ? await banlist.changed(by) : { ...(await banlist.snapshot()), bundle: null };
    return { revision: snapshot.revision, ban_revision: r.revision, changes: changes.map((c) => ({ op: c.op, id: c.id })), bundle: snapshot.bundle };
  };
  const current = async (): Promise<BanList> => (await banlist.snapshot()).list;

  app.get('/api/v1/bans', { config: { auth: READ_ROLES }, schema: { tags, description: 'The current ban list document and its versioned entries' } }, async () => {
    const s = await banlist.snapshot();
    return { revision: s.revision, ban_revision: s.banRevision, list: s.list, entries: s.entries.map(banEntryDto) };
  });

  app.get<{ Querystring: Static<typeof HistoryQuery> }>('/api/v1/bans/history', { config: { auth: READ_ROLES }, schema: { tags, description: 'Every entry version, newest first; ?format=csv|json exports them all', querystring: HistoryQuery } }, async (req, reply) => {
    const { entry, format, limit, offset } = req.query;
    if (format) {
      return sendExport(core, req, reply, format, {
        name: 'ban-history',
        columns: HISTORY_COLUMNS,
        page: async (l, o) => (await store.banHistory(entry, { limit: l, offset: o })).map((v) => ({ ...banVersionDto(v), entry: v.entry === null ? null : JSON.stringify(v.entry) })),
      });
    }
    return { history: (await store.banHistory(entry, { ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) })).map(banVersionDto) };
  });

  app.post<{ Body: RuleB }>('/api/v1/bans/rules', { config: { auth: EDIT_ROLES }, schema: { tags, description: 'Add a rule', body: RuleBody } }, async (req, reply) => {
    const list = await current();
    const draft = { ...list, rules: [...list.rules, req.body.rule] };
    const out = await commit(req, [{ op: 'create', id: req.body.rule.id, entry: req.body.rule as unknown as Record<string, unknown>, why: req.body.why }], undefined, draft);
    return reply.code(201).send(out);
  });

  app.put<{ Params: Id; Body: RuleB }>('/api/v1/bans/rules/:id', { config: { auth: EDIT_ROLES }, schema: { tags, description: 'Replace a rule (expect_version makes it compare-and-set)', params: IdParam, body: RuleBody } }, async (req) => {
    if (req.body.rule.id !== req.params.id) throw badRequest(`rule.id '${req.body.rule.id}' differs from the path id '${req.params.id}'`);
    const cur = await store.getBan(req.params.id);
    if (!cur || req.params.id.startsWith('@')) throw notFound(`no rule ${req.params.id}`);
    if (req.body.expect_version !== undefined && cur.version !== req.body.expect_version) throw conflict(`rule ${cur.id} is at version ${cur.version}, not ${req.body.expect_version}`, 'version_conflict');
    const list = await current();
    const draft = { ...list, rules: list.rules.map((r) => (r.id === req.params.id ? req.body.rule : r)) };
    return commit(req, [{ op: 'update', id: cur.id, entry: req.body.rule as unknown as Record<string, unknown>, why: req.body.why }], await store.banRevision(), draft);
  });

  app.delete<{ Params: Id; Querystring: DeleteQ }>('/api/v1/bans/rules/:id', { config: { auth: EDIT_ROLES }, schema: { tags, description: 'Remove a rule (why is required)', params: IdParam, querystring: DeleteQuery } }, async (req) => {
    const cur = await store.getBan(req.params.id);
    if (!cur || req.params.id.startsWith('@')) throw notFound(`no rule ${req.params.id}`);
    if (req.query.expect_version !== undefined && cur.version !== req.query.expect_version) throw conflict(`rule ${cur.id} is at version ${cur.version}, not ${req.query.expect_version}`, 'version_conflict');
    const list = await current();
    const draft = { ...list, rules: list.rules.filter((r) => r.id !== cur.id) };
    return commit(req, [{ op: 'delete', id: cur.id, entry: null, why: req.query.why }], await store.banRevision(), draft);
  });

  app.put<{ Body: ListB }>('/api/v1/bans', { config: { auth: EDIT_ROLES }, schema: { tags, description: 'Replace the whole list with a document (warden bans apply)', body: ListBody } }, async (req) => {
    checkDraft(req.body.list);
    const changes = (await banlist.diff(req.body.list)).map((c) => ({ ...c, why: req.body.why }));
    return commit(req, changes, req.body.expect_revision ?? (await store.banRevision()), withGranted(req.body.list, await current()));
  });

  // Read-only: what applying this document would change, and what it would do to the fleet.
  app.post<{ Body: Draft }>('/api/v1/bans/diff', { config: { auth: READ_ROLES }, schema: { tags, description: 'Changes and impact preview of a draft list (changes nothing)', body: DraftBody } }, async (req) => {
    checkDraft(req.body.list);
    const snap = await banlist.snapshot();
    const changes = await banlist.diff(req.body.list);
    let impact: unknown = null;
    let impact_error: string | null = null;
    try {
      impact = await previewImpact(store, core.groups, evaluator, snap.list, withGranted(req.body.list, snap.list), new Date(now()));
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      impact_error = err.message;
    }
    return { revision: snap.revision, ban_revision: snap.banRevision, changes: changes.map((c) => ({ op: c.op, id: c.id, entry: c.entry })), impact, impact_error };
  });

  app.post<{ Body: Draft }>('/api/v1/bans/preview', { config: { auth: READ_ROLES }, schema: { tags, description: 'Impact preview: evaluate a draft list against every device\'s latest inventory', body: DraftBody } }, async (req) => {
    checkDraft(req.body.list);
    const snap = await banlist.snapshot();
    return previewImpact(store, core.groups, evaluator, snap.list, withGranted(req.body.list, snap.list), new Date(now()));
  });
}

/** A draft keeps the exceptions granted through the approval workflow (they are not in the file). */
function withGranted(draft: BanList, current: BanList): BanList {
  const granted = current.exceptions.filter((e) => e.id.startsWith('x-'));
  return { ...draft, revision: 'draft', exceptions: [...draft.exceptions.filter((e) => !e.id.startsWith('x-')), ...granted] };
}
