// Facts about each AI tool's own managed settings: which system files the tool itself enforces (per
// OS, in its own format), which top-level keys of a configure rule's `settings` go to which file, the
// profile/registry artefact an MDM deploys where no file exists, and the known ways the managed
// layer is bypassed (stale locations, override variables, a second copy that ignores it). Data, not
// code: policies/data/managed-settings.json, checked against this schema, shipped with the agent and
// carried in a bundle's data (`data.managed_settings`). Every fact names the vendor page it came from.
import { Type, type Static } from '@sinclair/typebox';
import { LayoutOs } from './catalog.ts';

export const MANAGED_SETTINGS_FORMAT = 1;

/** '/'-separated path below the filesystem root (Windows: the system drive); no '..', no '\\'. */
const SystemPath = Type.String({ pattern: '^/(?!.*(^|/)\\.\\.(/|$))[^\\\\\\x00]+$', maxLength: 300 });
/** '~/'-relative path in each user's home. */
const HomePath = Type.String({ pattern: '^~/(?!.*(^|/)\\.\\.(/|$))[^\\\\\\x00]+$', maxLength: 300 });
const Source = Type.String({ pattern: '^https://', description: 'vendor page (or issue) the fact comes from' });
const PerOs = <T extends ReturnType<typeof Type.String>>(t: T) =>
  Type.Object({ linux: Type.Optional(t), darwin: Type.Optional(t), win32: Type.Optional(t) }, { additionalProperties: false });

export const ManagedFile = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'names the file in records and events' }),
    format: Type.Union([Type.Literal('json'), Type.Literal('toml')]),
    paths: PerOs(SystemPath),
    keys: Type.Union([Type.Literal('rest'), Type.Array(Type.String(), { minItems: 1 })], {
      description: "top-level settings keys written to this file; 'rest' takes every key no other file of the tool names",
    }),
    values: Type.Optional(
      Type.Literal('scalar', { description: 'the tool reads only strings, numbers and booleans here (VS Code policies): objects and arrays are written as JSON text' }),
    ),
    source: Source,
  },
  { additionalProperties: false },
);
export type ManagedFile = Static<typeof ManagedFile>;

/** Where only a configuration profile (macOS) or the registry (Windows) applies: what an MDM deploys. */
export const ManagedExport = Type.Object(
  {
    os: Type.Union([Type.Literal('darwin'), Type.Literal('win32')]),
    kind: Type.Union([Type.Literal('mobileconfig'), Type.Literal('registry')]),
    file: Type.String({ description: 'id of the file whose keys the artefact carries' }),
    /** macOS preference domain (com.microsoft.VSCode), or the HKLM key below HKEY_LOCAL_MACHINE. */
    target: Type.String({ pattern: '^[A-Za-z0-9._\\\\ -]+$', maxLength: 200 }),
    source: Source,
  },
  { additionalProperties: false },
);
export type ManagedExport = Static<typeof ManagedExport>;

const BypassOs = Type.Array(LayoutOs, { minItems: 1 });
const Why = Type.String({ maxLength: 500 });

export const StaleLocation = Type.Object({ os: BypassOs, path: SystemPath, why: Why, source: Source }, { additionalProperties: false });
export const OverrideEnv = Type.Object({ name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), why: Why, source: Source }, { additionalProperties: false });
export const UnmanagedCopy = Type.Object({ os: BypassOs, path: HomePath, why: Why, source: Source }, { additionalProperties: false });

export const ManagedTool = Type.Object(
  {
    tool: Type.String({ description: 'catalog tool id' }),
    files: Type.Array(ManagedFile),
    exports: Type.Array(ManagedExport),
    /** Files the tool no longer reads: still present, they mislead whoever checks (and may be read by old versions). */
    stale_locations: Type.Array(StaleLocation),
    /** Environment variable NAMES that, set in a running tool's environment, steer it around the managed layer. */
    override_env: Type.Array(OverrideEnv),
    /** A second copy of the tool that ignores the managed settings (path in each user's home). */
    unmanaged_copies: Type.Array(UnmanagedCopy),
  },
  { additionalProperties: false },
);
export type ManagedTool = Static<typeof ManagedTool>;

export const ManagedSettingsData = Type.Object(
  {
    format: Type.Literal(MANAGED_SETTINGS_FORMAT),
    tools: Type.Array(ManagedTool),
  },
  { additionalProperties: false },
);
export type ManagedSettingsData = Static<typeof ManagedSettingsData>;
