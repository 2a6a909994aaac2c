// Which OS account a directory user is. Rules name user groups; agents report the OS account that
// owns each install (the finding's user, e.g. "alice" for /home/alice). The mapping says which SCIM
// attribute holds that account name: the first of `attributes` a user has wins, and strip_domain turns
// "alice@corp.example" or "CORP\alice" into "alice". Matching is case-insensitive.
//
// Default: warden's own extension attribute osLogin (map sAMAccountName or the email's local part to
// it in the identity provider), else userName with the domain stripped. Admins change it with
// PUT /api/v1/scim/config; every user's login is recomputed at once.
import { Type, type Static } from '@sinclair/typebox';
import { WARDEN_URN } from '../scim/schemas.ts';

export const LoginMapping = Type.Object(
  {
    attributes: Type.Array(
      Type.String({ minLength: 1, maxLength: 300, description: 'a SCIM attribute: userName, externalId, displayName, nickName, emails (primary, else first), name.givenName, or <extension URN>:<attribute>' }),
      { minItems: 1, maxItems: 5 },
    ),
    strip_domain: Type.Boolean({ description: 'alice@corp.example → alice, CORP\\alice → alice' }),
  },
  { additionalProperties: false },
);
export type LoginMapping = Static<typeof LoginMapping>;

export const DEFAULT_LOGIN_MAPPING: LoginMapping = { attributes: [`${WARDEN_URN}:osLogin`, 'userName'], strip_domain: true };
export const LOGIN_MAPPING_SETTING = 'scim_login_mapping';

function get(obj: unknown, name: string): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

function attributeValue(resource: Record<string, unknown>, path: string): string | null {
  let container: unknown = resource;
  let rest = path;
  const colon = path.lastIndexOf(':');
  if (colon > 0) {
    container = get(resource, path.slice(0, colon));
    rest = path.slice(colon + 1);
  }
  const [top, sub] = rest.split('.');
  let v = get(container, top ?? '');
  if (Array.isArray(v)) {
    // Multi-valued (emails): the primary value, else the first.
    const items = v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object');
    v = get(items.find((x) => get(x, 'primary') === true) ?? items[0], 'value');
  } else if (sub !== undefined) v = get(v, sub);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** The OS login of a directory user's SCIM resource under this mapping, or null. */
export function loginOf(resource: Record<string, unknown>, mapping: LoginMapping): string | null {
  for (const attr of mapping.attributes) {
    let v = attributeValue(resource, attr);
    if (v === null) continue;
    if (mapping.strip_domain) v = v.replace(/@.*$/, '').replace(/^.*\\/, '');
    if (v !== '') return v.slice(0, 256);
  }
  return null;
}
