// The SCIM operations over the group store, independent of HTTP: list (filter + pagination), read,
// create, replace, patch (scim-patch applies the operations; the result is checked like a PUT body),
// delete. Every write returns what to audit. Nothing is written unless the whole request is valid:
// a PATCH with one bad operation changes nothing.
import { randomUUID } from 'node:crypto';
import { scimPatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import type { Repository } from '../store/types.ts';
import { GroupStore, userMember, type DirectoryUser, type GroupRecord, type NewDirectoryUser } from '../groups/store.ts';
import { DEFAULT_LOGIN_MAPPING, LOGIN_MAPPING_SETTING, LoginMapping, loginOf } from '../groups/login-mapping.ts';
import { check } from '../../../wire/src/validate.ts';
import { ScimError, invalidSyntax, invalidValue, scimNotFound, uniqueness, type ScimType } from './errors.ts';
import { compileFilter } from './filter.ts';
import { groupFromScim, groupToScim, project, userFromScim, userToScim } from './resources.ts';
import { LIST_URN, MAX_RESULTS, PATCH_URN, type ResourceKind } from './schemas.ts';

export interface ListQuery {
  filter?: string;
  startIndex?: number;
  count?: number;
  attributes?: string;
  excludedAttributes?: string;
}

export interface AuditNote {
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

export interface WriteResult {
  resource: Record<string, unknown>;
  audit: AuditNote;
}

const SCIM_TYPES = new Set<ScimType>(['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive']);

function patchOperations(body: unknown): ScimPatchOperation[] {
  const b = body as { schemas?: unknown; Operations?: unknown } | null;
  if (!b || typeof b !== 'object' || !Array.isArray(b.schemas) || !b.schemas.includes(PATCH_URN)) throw invalidSyntax(`a PATCH body must list the schema ${PATCH_URN}`);
  if (!Array.isArray(b.Operations) || b.Operations.length === 0 || b.Operations.length > 1000) throw invalidSyntax('a PATCH body needs 1 to 1000 Operations');
  return b.Operations.map((o: unknown, i) => {
    const op = o as { op?: unknown; path?: unknown; value?: unknown } | null;
    if (!op || typeof op !== 'object' || typeof op.op !== 'string' || !/^(add|remove|replace)$/i.test(op.op)) throw invalidSyntax(`Operations[${i}].op must be add, remove or replace`);
    if (op.path !== undefined && (typeof op.path !== 'string' || op.path.length > 1000)) throw invalidSyntax(`Operations[${i}].path must be a string`);
    if (op.op.toLowerCase() === 'remove' && op.path === undefined) throw new ScimError(400, 'noTarget', `Operations[${i}]: remove needs a path`);
    return { ...op, op: op.op.toLowerCase() } as ScimPatchOperation;
  });
}

/** Applies PATCH operations with scim-patch; its errors become SCIM 400s with their scimType. */
function applyPatch(resource: Record<string, unknown>, ops: ScimPatchOperation[]): Record<string, unknown> {
  try {
    return scimPatch(structuredClone(resource) as unknown as ScimResource, ops, { mutateDocument: true, treatMissingAsAdd: true }) as unknown as Record<string, unknown>;
  } catch (e) {
    if (e instanceof ScimError) throw e;
    const code = (e as { scimCode?: unknown }).scimCode;
    const scimType = typeof code === 'string' && SCIM_TYPES.has(code as ScimType) ? (code as ScimType) : 'invalidPath';
    throw new ScimError(400, scimType, `cannot apply the PATCH operations: ${(e as Error).message}`);
  }
}

export class ScimService {
  readonly groups: GroupStore;

  constructor(
    private readonly store: Repository,
    groups: GroupStore,
    private readonly now: () => number,
  ) {
    this.groups = groups;
  }

  async loginMapping(): Promise<LoginMapping> {
    const raw = await this.store.getSetting(LOGIN_MAPPING_SETTING);
    if (raw === null) return DEFAULT_LOGIN_MAPPING;
    const v: unknown = JSON.parse(raw);
    return check(LoginMapping, v).length === 0 ? (v as LoginMapping) : DEFAULT_LOGIN_MAPPING;
  }

  // ---- lists
  private page<T>(all: T[], q: ListQuery): { items: T[]; startIndex: number } {
    const startIndex = Math.max(1, q.startIndex ?? 1);
    const count = Math.min(Math.max(0, q.count ?? 100), MAX_RESULTS);
    return { items: all.slice(startIndex - 1, startIndex - 1 + count), startIndex };
  }

  private list(resources: Record<string, unknown>[], total: number, startIndex: number, q: ListQuery) {
    return { schemas: [LIST_URN], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources.map((r) => project(r, q.attributes, q.excludedAttributes)) };
  }

  async listUsers(q: ListQuery, base: string) {
    const f = q.filter ? compileFilter('User', q.filter) : null;
    const n = f?.narrow;
    const candidates = await this.groups.findUsers(n ? (n.attr === 'userName' ? { userName: n.value } : n.attr === 'externalId' ? { externalId: n.value } : { id: n.value }) : undefined);
    const groupsOf = await this.userGroups(candidates.map((u) => u.id));
    const all = candidates.map((u) => userToScim(u, groupsOf.get(u.id) ?? [], base)).filter((r) => !f || f.test(r));
    const { items, startIndex } = this.page(all, q);
    return this.list(items, all.length, startIndex, q);
  }

  async listGroups(q: ListQuery, base: string) {
    const f = q.filter ? compileFilter('Group', q.filter) : null;
    const excluded = (q.excludedAttributes ?? '').toLowerCase().split(',').map((s) => s.trim());
    const wantMembers = (!excluded.includes('members') && (q.attributes === undefined || q.attributes.toLowerCase().includes('members'))) || (f?.reads.has('members') ?? false);
    let groups = (await this.groups.listGroups('user')).filter((g) => g.source === 'scim');
    const n = f?.narrow;
    if (n) groups = groups.filter((g) => (n.attr === 'id' ? g.id === n.value : n.attr === 'externalId' ? g.externalId === n.value : g.name.toLowerCase() === n.value.toLowerCase()));
    const all: Record<string, unknown>[] = [];
    for (const g of groups) {
      const r = groupToScim(g, wantMembers ? await this.memberRefs(g.id) : null, base);
      if (!f || f.test(r)) all.push(r);
    }
    const { items, startIndex } = this.page(all, q);
    return this.list(items, all.length, startIndex, q);
  }

  // ---- users
  private async userGroups(ids: string[]): Promise<Map<string, { id: string; name: string }[]>> {
    const listing = await this.groups.groupsListing(ids.map(userMember));
    if (listing.length === 0) return new Map();
    const byId = new Map((await this.groups.listGroups('user')).map((g) => [g.id, g]));
    const out = new Map<string, { id: string; name: string }[]>();
    for (const { groupId, member } of listing) {
      const g = byId.get(groupId);
      if (!g) continue;
      const uid = member.slice('user:'.length);
      out.set(uid, [...(out.get(uid) ?? []), { id: g.id, name: g.name }]);
    }
    return out;
  }

  private async needUser(id: string): Promise<DirectoryUser> {
    const u = await this.groups.getUser(id);
    if (!u) throw scimNotFound(`no User ${id}`);
    return u;
  }

  async getUser(id: string, base: string, q: ListQuery = {}): Promise<Record<string, unknown>> {
    const u = await this.needUser(id);
    return project(userToScim(u, (await this.userGroups([id])).get(id) ?? [], base), q.attributes, q.excludedAttributes);
  }

  private async record(id: string, body: unknown): Promise<NewDirectoryUser> {
    const input = userFromScim(body);
    return { id, ...input, login: loginOf({ ...input.resource, userName: input.userName, ...(input.externalId ? { externalId: input.externalId } : {}) }, await this.loginMapping()) };
  }

  async createUser(body: unknown, base: string): Promise<WriteResult> {
    const rec = await this.record(randomUUID(), body);
    const u = await this.groups.createUser(rec, this.now());
    if (u === 'exists') throw uniqueness(`userName '${rec.userName}' is already taken`);
    return { resource: userToScim(u, [], base), audit: { action: 'scim.user.create', target: `directory-user:${u.id}`, detail: { user_name: u.userName, login: u.login, active: u.active } } };
  }

  async replaceUser(id: string, body: unknown, base: string, action = 'scim.user.replace'): Promise<WriteResult> {
    const before = await this.needUser(id);
    const rec = await this.record(id, body);
    const u = await this.groups.replaceUser(rec, this.now());
    if (u === 'missing') throw scimNotFound(`no User ${id}`);
    if (u === 'exists') throw uniqueness(`userName '${rec.userName}' is already taken`);
    const detail: Record<string, unknown> = { user_name: u.userName, login: u.login, active: u.active };
    if (before.userName !== u.userName) detail.previous_user_name = before.userName;
    if (before.active !== u.active) detail.previous_active = before.active;
    if (before.login !== u.login) detail.previous_login = before.login;
    return { resource: userToScim(u, (await this.userGroups([id])).get(id) ?? [], base), audit: { action, target: `directory-user:${id}`, detail } };
  }

  async patchUser(id: string, body: unknown, base: string): Promise<WriteResult> {
    const ops = patchOperations(body);
    const u = await this.needUser(id);
    const current = { ...u.resource, schemas: u.resource.schemas ?? [], userName: u.userName, active: u.active, ...(u.externalId !== null ? { externalId: u.externalId } : {}), id, meta: { resourceType: 'User' } };
    return this.replaceUser(id, applyPatch(current, ops), base, 'scim.user.patch');
  }

  async deleteUser(id: string, actor: string): Promise<AuditNote> {
    const u = await this.needUser(id);
    const r = await this.groups.deleteUser(id, actor, this.now(), 'deprovisioned by SCIM');
    if (r === 'missing') throw scimNotFound(`no User ${id}`);
    return { action: 'scim.user.delete', target: `directory-user:${id}`, detail: { user_name: u.userName, login: u.login, groups: r.groups } };
  }

  // ---- groups
  private async needGroup(id: string): Promise<GroupRecord> {
    const g = await this.groups.getGroup(id);
    if (!g || g.kind !== 'user' || g.source !== 'scim') throw scimNotFound(`no Group ${id}`);
    return g;
  }

  private async memberRefs(groupId: string): Promise<{ id: string; display: string }[]> {
    const ids = (await this.groups.members(groupId)).filter((m) => m.startsWith('user:')).map((m) => m.slice('user:'.length));
    const users = new Map((await this.groups.getUsers(ids)).map((u) => [u.id, u]));
    return ids.map((id) => {
      const u = users.get(id);
      const dn = u?.resource.displayName;
      return { id, display: typeof dn === 'string' ? dn : (u?.userName ?? id) };
    });
  }

  async getGroup(id: string, base: string, q: ListQuery = {}): Promise<Record<string, unknown>> {
    const g = await this.needGroup(id);
    const excluded = (q.excludedAttributes ?? '').toLowerCase().includes('members');
    return project(groupToScim(g, excluded ? null : await this.memberRefs(id), base), q.attributes, q.excludedAttributes);
  }

  /** Member values must be users of the directory; an unknown one refuses the whole request. */
  private async checkMembers(ids: string[]): Promise<void> {
    const found = new Set((await this.groups.getUsers(ids)).map((u) => u.id));
    const missing = ids.filter((m) => !found.has(m));
    if (missing.length > 0) throw invalidValue(`members refer to unknown users: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  }

  private async saveGroup(id: string | undefined, body: unknown, actor: string, base: string, action: string, expectVersion?: number): Promise<WriteResult> {
    const input = groupFromScim(body);
    if (input.members) await this.checkMembers(input.members);
    const r = await this.groups.saveGroup(
      {
        ...(id !== undefined ? { id } : { newId: randomUUID() }),
        fields: { kind: 'user', name: input.displayName, source: 'scim', externalId: input.externalId, description: '', rule: null },
        members: input.members === null ? (id === undefined ? [] : null) : input.members.map(userMember),
        ...(expectVersion !== undefined ? { expectVersion } : {}),
      },
      actor,
      this.now(),
      `SCIM ${action.split('.').pop() ?? ''}`,
    );
    if ('exists' in r) throw uniqueness(`a user group named '${input.displayName}' already exists`);
    if ('missing' in r) throw scimNotFound(`no Group ${r.missing}`);
    if ('conflict' in r) throw new ScimError(409, null, 'the group changed meanwhile');
    const members = await this.memberRefs(r.group.id);
    return { resource: groupToScim(r.group, members, base), audit: { action, target: `group:${r.group.id}`, detail: { name: r.group.name, members: members.length, revision: r.revision, changed: r.changed } } };
  }

  createGroup(body: unknown, actor: string, base: string): Promise<WriteResult> {
    return this.saveGroup(undefined, body, actor, base, 'scim.group.create');
  }

  async replaceGroup(id: string, body: unknown, actor: string, base: string): Promise<WriteResult> {
    await this.needGroup(id);
    return this.saveGroup(id, body, actor, base, 'scim.group.replace');
  }

  async patchGroup(id: string, body: unknown, actor: string, base: string): Promise<WriteResult> {
    const ops = patchOperations(body);
    // Read-modify-write with compare-and-set: a concurrent change to the same group makes us re-read.
    for (let attempt = 0; ; attempt++) {
      const g = await this.needGroup(id);
      const current = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id, displayName: g.name, ...(g.externalId !== null ? { externalId: g.externalId } : {}), members: (await this.memberRefs(id)).map((m) => ({ value: m.id })), meta: { resourceType: 'Group' } };
      try {
        const patched = applyPatch(current, ops);
        // scim-patch drops the attribute when the last member is removed: no members then, not "unchanged".
        patched.members ??= [];
        return await this.saveGroup(id, patched, actor, base, 'scim.group.patch', g.version);
      } catch (e) {
        if (!(e instanceof ScimError && e.status === 409 && e.scimType === null) || attempt >= 4) throw e;
      }
    }
  }

  async deleteGroup(id: string, actor: string): Promise<AuditNote> {
    const g = await this.needGroup(id);
    const r = await this.groups.deleteGroup(id, actor, this.now(), 'deleted by SCIM');
    if ('missing' in r) throw scimNotFound(`no Group ${id}`);
    if ('conflict' in r) throw new ScimError(409, null, 'the group changed meanwhile');
    return { action: 'scim.group.delete', target: `group:${id}`, detail: { name: g.name, revision: r.revision } };
  }

  /** Recomputes every user's OS login after the mapping changed. */
  async applyLoginMapping(mapping: LoginMapping): Promise<number> {
    await this.store.setSetting(LOGIN_MAPPING_SETTING, JSON.stringify(mapping));
    return this.groups.relogin((u) => loginOf({ ...u.resource, userName: u.userName, ...(u.externalId ? { externalId: u.externalId } : {}) }, mapping));
  }
}

export type { ResourceKind };
