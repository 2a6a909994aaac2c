// What the SCIM endpoint speaks (RFC 7643): the User and Group schemas with the enterprise extension
// and warden's own extension (osLogin: the employee's OS account, for the login mapping), as data.
// The discovery endpoints serve these; filters and writes consult them (which attributes exist, which
// compare case-exactly, which are multi-valued).
export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const WARDEN_URN = 'urn:ietf:params:scim:schemas:extension:warden:2.0:User';
export const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SPC_URN = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export interface AttrDef {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime' | 'integer';
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'default' | 'never' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  description: string;
  subAttributes?: AttrDef[];
  referenceTypes?: string[];
}

type Opts = Partial<Omit<AttrDef, 'name' | 'subAttributes'>>;
const a = (name: string, o: Opts = {}): AttrDef => ({ name, type: 'string', multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none', description: '', ...o });
const complex = (name: string, subs: AttrDef[], o: Opts = {}): AttrDef => ({ ...a(name, { ...o, type: 'complex' }), subAttributes: subs });
const multi = (name: string, extra: AttrDef[] = [], o: Opts = {}): AttrDef =>
  complex(name, [a('value'), a('display'), a('type'), a('primary', { type: 'boolean' }), ...extra], { multiValued: true, ...o });

export const USER_ATTRS: AttrDef[] = [
  a('userName', { required: true, uniqueness: 'server', description: 'Unique identifier for the user (often the work email); compared without case' }),
  complex('name', ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => a(n))),
  a('displayName'),
  a('nickName'),
  a('profileUrl', { type: 'reference', referenceTypes: ['external'] }),
  a('title'),
  a('userType'),
  a('preferredLanguage'),
  a('locale'),
  a('timezone'),
  a('active', { type: 'boolean', description: 'false keeps the person’s group memberships (a deprovisioned contractor is still a contractor on a machine that still has their tools)' }),
  multi('emails'),
  multi('phoneNumbers'),
  complex('addresses', ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'].map((n) => a(n)).concat([a('primary', { type: 'boolean' })]), { multiValued: true }),
  complex('groups', [a('value', { mutability: 'readOnly' }), a('$ref', { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }), a('display', { mutability: 'readOnly' }), a('type', { mutability: 'readOnly' })], { multiValued: true, mutability: 'readOnly', description: 'Groups this user is in (change them through /Groups)' }),
];

export const ENTERPRISE_ATTRS: AttrDef[] = [
  a('employeeNumber'),
  a('costCenter'),
  a('organization'),
  a('division'),
  a('department'),
  complex('manager', [a('value'), a('$ref', { type: 'reference', referenceTypes: ['User'] }), a('displayName', { mutability: 'readOnly' })]),
];

export const WARDEN_ATTRS: AttrDef[] = [
  a('osLogin', { description: 'The OS account this person logs in with on their machines (what the warden agent reports as the finding user), e.g. mapped from sAMAccountName or the email local part' }),
];

export const GROUP_ATTRS: AttrDef[] = [
  a('displayName', { required: true, uniqueness: 'server', description: 'The group name rules use (user_groups); compared without case' }),
  complex('members', [a('value', { mutability: 'immutable', caseExact: true }), a('$ref', { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }), a('display', { mutability: 'readOnly' }), a('type', { mutability: 'immutable' })], { multiValued: true }),
];

/** Attributes every resource has (RFC 7643 §3.1). */
export const COMMON_ATTRS: AttrDef[] = [
  a('id', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  a('externalId', { caseExact: true }),
  complex('meta', [a('resourceType', { caseExact: true }), a('created', { type: 'dateTime' }), a('lastModified', { type: 'dateTime' }), a('location', { type: 'reference', caseExact: true }), a('version', { caseExact: true })], { mutability: 'readOnly' }),
];

export type ResourceKind = 'User' | 'Group';

/** Top-level attributes of a resource kind, extension attributes under their URN. */
export function resourceAttributes(kind: ResourceKind): { core: AttrDef[]; extensions: Map<string, AttrDef[]> } {
  return kind === 'User'
    ? { core: [...COMMON_ATTRS, ...USER_ATTRS], extensions: new Map([[ENTERPRISE_URN, ENTERPRISE_ATTRS], [WARDEN_URN, WARDEN_ATTRS]]) }
    : { core: [...COMMON_ATTRS, ...GROUP_ATTRS], extensions: new Map() };
}

const findAttr = (list: AttrDef[] | undefined, name: string): AttrDef | undefined => list?.find((x) => x.name.toLowerCase() === name.toLowerCase());

/**
 * Resolves an attribute path ("userName", "emails.value", "name.givenName", "<extension URN>:employeeNumber")
 * to its schema path [top-level name, sub-attribute?] and definition; null when the schema has no such attribute.
 */
export function resolveAttribute(kind: ResourceKind, path: string): { urn: string | null; names: string[]; def: AttrDef } | null {
  const { core, extensions } = resourceAttributes(kind);
  let urn: string | null = null;
  let rest = path;
  for (const u of [...extensions.keys(), kind === 'User' ? USER_URN : GROUP_URN]) {
    if (path.toLowerCase().startsWith(`${u.toLowerCase()}:`)) {
      urn = u === USER_URN || u === GROUP_URN ? null : u;
      rest = path.slice(u.length + 1);
      break;
    }
  }
  const attrs = urn ? extensions.get(urn) : core;
  const [top, sub, ...more] = rest.split('.');
  if (top === undefined || more.length > 0) return null;
  const t = findAttr(attrs, top);
  if (!t) return null;
  if (sub === undefined) return { urn, names: [t.name], def: t };
  const s = findAttr(t.subAttributes, sub);
  return s ? { urn, names: [t.name, s.name], def: s } : null;
}

function schemaDoc(id: string, name: string, description: string, attributes: AttrDef[], location: string) {
  return { schemas: [SCHEMA_URN], id, name, description, attributes, meta: { resourceType: 'Schema', location: `${location}/Schemas/${id}` } };
}

export function schemaDocs(base: string) {
  return [
    schemaDoc(USER_URN, 'User', 'User Account', USER_ATTRS, base),
    schemaDoc(GROUP_URN, 'Group', 'Group', GROUP_ATTRS, base),
    schemaDoc(ENTERPRISE_URN, 'EnterpriseUser', 'Enterprise User', ENTERPRISE_ATTRS, base),
    schemaDoc(WARDEN_URN, 'WardenUser', 'What warden needs to know about a user: the OS login the agent reports', WARDEN_ATTRS, base),
  ];
}

export function resourceTypeDocs(base: string) {
  return [
    {
      schemas: [RESOURCE_TYPE_URN], id: 'User', name: 'User', endpoint: '/Users', description: 'People, matched to the OS accounts on endpoints', schema: USER_URN,
      schemaExtensions: [{ schema: ENTERPRISE_URN, required: false }, { schema: WARDEN_URN, required: false }], meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    { schemas: [RESOURCE_TYPE_URN], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'User groups the fleet policy names (user_groups)', schema: GROUP_URN, schemaExtensions: [], meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` } },
  ];
}

export const MAX_RESULTS = 1000;

export function serviceProviderConfig(base: string) {
  return {
    schemas: [SPC_URN],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'Bearer token', description: 'A warden API token of a user with the scim role (POST /api/v1/scim/token)', primary: true }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}
