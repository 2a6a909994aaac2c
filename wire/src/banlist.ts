// A ban list: the fleet's rules as data. IT edits this (server console or JSON file); `warden policy
// build --data <ban list>` puts it in the bundle's data.json, where policies/warden.rego reads it as
// `data.rules`, `data.mode`, … Owned by the policy area; the server stores and serves these.
import { Type, type Static } from '@sinclair/typebox';
import { Action } from './decision.ts';
import { BypassKind } from './bypass.ts';
import { UtcTime } from './utc-time.ts';
import { jsonShapeProblem } from './json-limits.ts';

export const BANLIST_SCHEMA = 'warden.banlist/v1';

const SEMVER_PATTERN = '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$';
const Semver = Type.String({ pattern: SEMVER_PATTERN, description: 'full semver, e.g. 2.0.0' });
const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' });

/**
 * Size limits of every field (the server refuses more with a 400 naming the field; agents refuse a
 * bundle that breaks them). Generous for real lists — the 1,000-rule bench list is far inside them —
 * and small enough that no field can make a bundle build, the policy or an agent choke.
 */
export const BANLIST_LIMITS = {
  name: 200,
  message: 2000,
  alternative: 200,
  description: 2000,
  reason: 2000,
  /** Tool ids, vendor names, groups … in a match list, and how many a list holds. */
  nameLength: 200,
  names: 1000,
  rules: 5000,
  exceptions: 10_000,
  /** A configure rule's settings: keys at its top level, total JSON size, and nesting of the document. */
  settingsKeys: 200,
  settingsBytes: 64 * 1024,
  depth: 32,
} as const;
const L = BANLIST_LIMITS;
const Text = (max: number) => Type.String({ maxLength: max });
const Names = Type.Array(Type.String({ minLength: 1, maxLength: L.nameLength }), { minItems: 1, maxItems: L.names });

/** Version bounds, all given ones must hold. "ban Claude Code < 2.0" = { lt: "2.0.0" }. */
export const VersionRange = Type.Object(
  { lt: Type.Optional(Semver), lte: Type.Optional(Semver), gt: Type.Optional(Semver), gte: Type.Optional(Semver) },
  { additionalProperties: false, minProperties: 1 },
);
export type VersionRange = Static<typeof VersionRange>;

const criteria = {
  tools: Type.Optional(Names),
  vendors: Type.Optional(Names),
  vendor_countries: Type.Optional(Names),
  categories: Type.Optional(Names),
  version: Type.Optional(VersionRange),
  user_groups: Type.Optional(Names),
  device_groups: Type.Optional(Names),
  mcp_servers: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: L.nameLength }), {
      minItems: 1,
      maxItems: L.names,
      description: 'matches a finding whose tool has one of these MCP servers configured (by name): deny a server where the tool has no allow list of its own',
    }),
  ),
  bypass: Type.Optional(
    Type.Array(BypassKind, {
      minItems: 1,
      description: 'matches a finding whose managed settings the agent saw bypassed in one of these ways (policy input findings[].bypasses)',
    }),
  ),
};

/**
 * What a rule applies to. Every given criterion must hold (AND); within a list any entry may match (OR).
 * An empty match applies to every finding. A finding whose version is unknown never matches a rule
 * with a version range.
 */
export const RuleMatch = Type.Object(
  {
    ...criteria,
    unless: Type.Optional(
      Type.Object(criteria, {
        additionalProperties: false,
        minProperties: 1,
        description: 'findings these criteria match are excluded from the rule, e.g. ban IDEs unless Cursor >= 1.4',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RuleMatch = Static<typeof RuleMatch>;

export const BanRule = Type.Object(
  {
    id: Id,
    action: Action,
    match: RuleMatch,
    description: Type.Optional(Text(L.description)),
    message: Type.Optional(Type.String({ maxLength: L.message, description: "overrides the list's message" })),
    alternative: Type.Optional(Type.String({ maxLength: L.alternative, description: "overrides the list's alternative" })),
    grace_until: Type.Optional(UtcTime),
    monitor: Type.Optional(Type.Boolean({ description: 'decide and report only, for trying a new rule' })),
    settings: Type.Optional(
      Type.Record(Type.String({ maxLength: L.nameLength }), Type.Unknown(), { maxProperties: L.settingsKeys, description: `managed settings (configure rules); at most ${L.settingsBytes} bytes of JSON` }),
    ),
  },
  { additionalProperties: false },
);
export type BanRule = Static<typeof BanRule>;

/** A per-user or per-device exception for one tool, until `expires` (expired ones no longer apply). */
export const PolicyException = Type.Object(
  {
    id: Id,
    tool: Type.String({ minLength: 1, maxLength: L.nameLength }),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: L.nameLength })),
    device: Type.Optional(Type.String({ minLength: 1, maxLength: L.nameLength })),
    expires: UtcTime,
    reason: Type.Optional(Text(L.reason)),
  },
  { additionalProperties: false, anyOf: [{ required: ['user'] }, { required: ['device'] }] },
);
export type PolicyException = Static<typeof PolicyException>;

/**
 * The company's look in the employee's tray app: name, logo, colours, where to get help. Data only: the
 * logo is an inline image (no remote fetch from the endpoint), the support link https or mailto.
 */
export const Branding = Type.Object(
  {
    company_name: Type.String({ minLength: 1, maxLength: 100 }),
    logo: Type.Optional(
      Type.String({ maxLength: 65_536, pattern: '^data:image/(png|jpeg|webp|svg\\+xml);base64,[A-Za-z0-9+/]+={0,2}$', description: 'data: URL of a PNG, JPEG, WebP or SVG image, at most 64 KiB' }),
    ),
    colors: Type.Optional(
      Type.Object(
        {
          primary: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$', description: 'header and buttons, e.g. #1F4E8C' }),
          accent: Type.String({ pattern: '^#[0-9A-Fa-f]{6}$', description: 'links and highlights' }),
        },
        { additionalProperties: false },
      ),
    ),
    support_url: Type.Optional(Type.String({ maxLength: 500, pattern: '^(https://|mailto:)[^\\s<>"]+$', description: 'https:// or mailto: link to IT support' })),
    support_label: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'e.g. "IT service desk"' })),
    alternative_links: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: BANLIST_LIMITS.alternative, description: 'an approved alternative as rules name it, e.g. "Qoder"' }),
            url: Type.String({ maxLength: 500, pattern: '^https://[^\\s<>"]+$', description: 'where to get it or read about it (https)' }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100, description: 'links the tray shows beside an approved alternative' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Branding = Static<typeof Branding>;

/** How the agent's process watch runs (it kills a blocked tool started again between enforcement cycles). */
export const WatchSettings = Type.Object(
  {
    interval_ms: Type.Integer({
      minimum: 100,
      maximum: 60_000,
      description: 'poll interval of the process watch in ms (default: 500 on Linux, 2000 on macOS, 30000 on Windows where process starts also arrive as events): shorter catches a relaunch sooner at more CPU (bench/process-sources.ts measures it per OS source)',
    }),
  },
  { additionalProperties: false },
);
export type WatchSettings = Static<typeof WatchSettings>;

export const BanList = Type.Object(
  {
    schema: Type.Literal(BANLIST_SCHEMA),
    name: Type.String({ minLength: 1, maxLength: L.name }),
    revision: Type.Optional(Type.String({ maxLength: 128, description: 'set by the server when it builds a bundle' })),
    mode: Type.Union([Type.Literal('enforce'), Type.Literal('monitor')], { description: 'monitor: decide and report, act on nothing' }),
    default_action: Action,
    message: Type.String({ maxLength: L.message, description: 'default message shown to the employee' }),
    alternative: Type.String({ maxLength: L.alternative, description: 'default approved alternative, "" when none' }),
    rules: Type.Array(BanRule, { maxItems: L.rules }),
    exceptions: Type.Array(PolicyException, { maxItems: L.exceptions, description: 'fleet-wide exceptions shipped in the bundle' }),
    branding: Type.Optional(Branding),
    watch: Type.Optional(WatchSettings),
  },
  { additionalProperties: false },
);
export type BanList = Static<typeof BanList>;

/**
 * What schema checks cannot see: duplicate ids (the policy needs them unique to name the winning
 * rule), and how deep and big a rule's free-form settings are (paths read from the list's root).
 */
export function banListProblems(list: BanList): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, r] of list.rules.entries()) {
    if (seen.has(r.id)) problems.push(`rule id '${r.id}' appears twice`);
    seen.add(r.id);
    if (r.action === 'configure' && !r.settings) problems.push(`rule '${r.id}' is a configure rule without settings`);
    if (r.settings !== undefined) {
      // The list (1) → rules (2) → the rule (3) enclose settings.
      const shape = jsonShapeProblem(r.settings, { maxDepth: L.depth }, ['rules', i, 'settings'], 3);
      if (shape) problems.push(shape);
      else if (new TextEncoder().encode(JSON.stringify(r.settings)).length > L.settingsBytes) problems.push(`rules[${i}].settings: more than ${L.settingsBytes} bytes of JSON`);
    }
  }
  return problems;
}
