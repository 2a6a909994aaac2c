// SCIM resources in and out. Input is checked against the schema (schemas.ts): known attributes keep
// their canonical names and must have the declared types, read-only ones (id, meta, groups) are
// ignored, attributes the schema does not know are dropped. Out: the stored resource plus id, meta and
// (users) the groups they are in.
import { invalidSyntax, invalidValue } from './errors.ts';
import { ENTERPRISE_URN, GROUP_URN, USER_ATTRS, USER_URN, WARDEN_URN, ENTERPRISE_ATTRS, WARDEN_ATTRS, type AttrDef } from './schemas.ts';
import type { DirectoryUser, GroupRecord } from '../groups/store.ts';

const MAX_RESOURCE_BYTES = 64 * 1024;
const MAX_STRING = 2048;
const MAX_VALUES = 100;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Coerces one attribute value to its definition; undefined drops it (null / absent). */
function coerce(def: AttrDef, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (def.multiValued) {
    if (!Array.isArray(value)) throw invalidValue(`'${path}' is multi-valued: give an array`);
    if (value.length > MAX_VALUES) throw invalidValue(`'${path}' has more than ${MAX_VALUES} values`);
    return value.map((v, i) => coerce({ ...def, multiValued: false }, v, `${path}[${i}]`)).filter((v) => v !== undefined);
  }
  switch (def.type) {
    case 'complex': {
      if (!isObject(value)) throw invalidValue(`'${path}' must be an object`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const sub = def.subAttributes?.find((s) => s.name.toLowerCase() === k.toLowerCase());
        if (!sub || sub.mutability === 'readOnly') continue;
        const c = coerce(sub, v, `${path}.${sub.name}`);
        if (c !== undefined) out[sub.name] = c;
      }
      return out;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      // Microsoft Entra sends "True"/"False" strings for booleans in PATCH; nothing else is a boolean.
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      throw invalidValue(`'${path}' must be a boolean`);
    case 'integer':
      if (Number.isInteger(value)) return value;
      throw invalidValue(`'${path}' must be an integer`);
    default:
      if (typeof value !== 'string') throw invalidValue(`'${path}' must be a string`);
      if (value.length > MAX_STRING) throw invalidValue(`'${path}' is longer than ${MAX_STRING} characters`);
      return value;
  }
}

function keep(attrs: AttrDef[], src: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    const def = attrs.find((d) => d.name.toLowerCase() === k.toLowerCase());
    if (!def || def.mutability === 'readOnly') continue;
    const c = coerce(def, v, `${prefix}${def.name}`);
    if (c !== undefined) out[def.name] = c;
  }
  return out;
}

function checkSchemas(body: Record<string, unknown>, core: string): string[] {
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) throw invalidSyntax(`'schemas' must list ${core}`);
  if (!schemas.some((s) => (s as string).toLowerCase() === core.toLowerCase())) throw invalidSyntax(`'schemas' must include ${core}`);
  return schemas as string[];
}

function checkSize(v: unknown): void {
  if (Buffer.byteLength(JSON.stringify(v)) > MAX_RESOURCE_BYTES) throw invalidValue(`resource larger than ${MAX_RESOURCE_BYTES} bytes`);
}

function text(v: unknown, path: string, max: number, required: boolean): string | null {
  if (v === undefined || v === null) {
    if (required) throw invalidValue(`'${path}' is required`);
    return null;
  }
  if (typeof v !== 'string' || v.trim() === '' || v.length > max || CONTROL.test(v)) throw invalidValue(`'${path}' must be a non-empty string of at most ${max} characters without control characters`);
  return v;
}

export interface UserInput {
  userName: string;
  externalId: string | null;
  active: boolean;
  resource: Record<string, unknown>;
}

/** A User resource from a request body (POST/PUT, or the result of a PATCH). */
export function userFromScim(body: unknown): UserInput {
  if (!isObject(body)) throw invalidSyntax('the request body must be a JSON object');
  checkSize(body);
  checkSchemas(body, USER_URN);
  const resource: Record<string, unknown> = keep(USER_ATTRS, body, '');
  const extensions: [string, AttrDef[]][] = [[ENTERPRISE_URN, ENTERPRISE_ATTRS], [WARDEN_URN, WARDEN_ATTRS]];
  const schemas = [USER_URN];
  for (const [urn, attrs] of extensions) {
    const key = Object.keys(body).find((k) => k.toLowerCase() === urn.toLowerCase());
    if (key === undefined || body[key] === null) continue;
    if (!isObject(body[key])) throw invalidValue(`'${urn}' must be an object`);
    const ext = keep(attrs, body[key], `${urn}:`);
    if (Object.keys(ext).length > 0) {
      resource[urn] = ext;
      schemas.push(urn);
    }
  }
  const userName = text(resource.userName, 'userName', 256, true) as string;
  const ext = Object.keys(body).find((k) => k.toLowerCase() === 'externalid');
  const externalId = text(ext === undefined ? undefined : body[ext], 'externalId', 256, false);
  resource.schemas = schemas;
  return { userName, externalId, active: resource.active !== false, resource };
}

export interface GroupInput {
  displayName: string;
  externalId: string | null;
  /** Directory user ids, or null when the body does not mention members. */
  members: string[] | null;
}

export function groupFromScim(body: unknown): GroupInput {
  if (!isObject(body)) throw invalidSyntax('the request body must be a JSON object');
  checkSize(body);
  checkSchemas(body, GROUP_URN);
  const get = (name: string): unknown => body[Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name];
  const displayName = text(get('displayName'), 'displayName', 256, true) as string;
  const externalId = text(get('externalId'), 'externalId', 256, false);
  const raw = get('members');
  let members: string[] | null = null;
  if (raw !== undefined && raw !== null) {
    if (!Array.isArray(raw)) throw invalidValue("'members' must be an array");
    if (raw.length > 100_000) throw invalidValue("'members' has more than 100000 values");
    members = raw.map((m, i) => {
      if (!isObject(m)) throw invalidValue(`members[${i}] must be an object with a value`);
      const type = m.type ?? m.Type;
      if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'user')) throw invalidValue(`members[${i}]: only users can be members (nested groups are not supported)`);
      return text(m.value, `members[${i}].value`, 200, true) as string;
    });
    members = [...new Set(members)];
  }
  return { displayName, externalId, members };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function userToScim(u: DirectoryUser, groups: { id: string; name: string }[], base: string): Record<string, unknown> {
  const { schemas, ...rest } = u.resource;
  return {
    schemas: Array.isArray(schemas) ? schemas : [USER_URN],
    id: u.id,
    ...(u.externalId !== null ? { externalId: u.externalId } : {}),
    ...rest,
    userName: u.userName,
    active: u.active,
    groups: groups.map((g) => ({ value: g.id, display: g.name, $ref: `${base}/Groups/${g.id}`, type: 'direct' })),
    meta: { resourceType: 'User', created: iso(u.createdAt), lastModified: iso(u.updatedAt), location: `${base}/Users/${u.id}`, version: `W/"${u.version}"` },
  };
}

export function groupToScim(g: GroupRecord, members: { id: string; display: string }[] | null, base: string): Record<string, unknown> {
  return {
    schemas: [GROUP_URN],
    id: g.id,
    ...(g.externalId !== null ? { externalId: g.externalId } : {}),
    displayName: g.name,
    ...(members !== null ? { members: members.map((m) => ({ value: m.id, display: m.display, $ref: `${base}/Users/${m.id}`, type: 'User' })) } : {}),
    meta: { resourceType: 'Group', created: iso(g.createdAt), lastModified: iso(g.updatedAt), location: `${base}/Groups/${g.id}`, version: `W/"${g.version}"` },
  };
}

/** attributes / excludedAttributes (RFC 7644 §3.4.2.5) on top-level attributes; id and schemas always stay. */
export function project(resource: Record<string, unknown>, attributes?: string, excluded?: string): Record<string, unknown> {
  const names = (s: string): Set<string> => new Set(s.split(',').map((x) => x.trim().toLowerCase().split('.')[0] ?? '').filter((x) => x !== ''));
  const always = new Set(['id', 'schemas']);
  if (attributes) {
    const want = names(attributes);
    return Object.fromEntries(Object.entries(resource).filter(([k]) => always.has(k) || want.has(k.toLowerCase()) || [...want].some((w) => w.startsWith(`${k.toLowerCase()}:`))));
  }
  if (excluded) {
    const drop = names(excluded);
    return Object.fromEntries(Object.entries(resource).filter(([k]) => always.has(k) || !drop.has(k.toLowerCase())));
  }
  return resource;
}

export type ScimGroupRef = Pick<GroupRecord, 'id' | 'name'>;
