// The AI-tool catalog: data, not code. It names each tool and points its signatures at generic
// detector primitives (agent/src/inventory/detectors). It travels in the policy bundle's data,
// so detection can be updated without an agent release. Owned by the inventory area.
import { Type, type Static } from '@sinclair/typebox';
import { Channel } from './inventory.ts';

export const CATALOG_FORMAT = 1;

export const LayoutOs = Type.Union([Type.Literal('linux'), Type.Literal('darwin'), Type.Literal('win32')]);
export type LayoutOs = Static<typeof LayoutOs>;

/** The generic detector primitives a signature can point at. */
export const Detector = Type.Union([
  Type.Literal('npm_package'), // name = package name; looked up under every npm global root
  Type.Literal('python_dist'), // name = distribution name; *.dist-info in every site-packages / venv
  Type.Literal('python_venv'), // path = pipx / uv tool venv folder
  Type.Literal('version_dir'), // path has a <version> segment (version folders, Homebrew Cellar/Caskroom)
  Type.Literal('app_bundle'), // path = macOS .app; version from Contents/Info.plist (XML or binary)
  Type.Literal('vscode_extension'), // name = publisher.name; every VS Code-family extensions folder
  Type.Literal('jetbrains_plugin'), // name = plugin id (from plugin.xml) or plugin folder name
  Type.Literal('browser_extension'), // name = Chromium extension id; every Chromium-family profile
  Type.Literal('mcp_config'), // path = MCP / agent config file (JSON); counts configured servers
  Type.Literal('path'), // path exists (file, folder or link); symlinks into version folders give a version
]);
export type Detector = Static<typeof Detector>;

/**
 * Path templates use '/' on every OS. '~' is each user's home (Windows: the profile folder, so
 * %APPDATA% is '~/AppData/Roaming'); a leading '/' is the filesystem root (Windows: the system
 * drive). A segment may hold '*' (any name) or '<version>' (captured as the version). <NAME>
 * placeholders expand through `locations`.
 */
export const Signature = Type.Object(
  {
    detector: Detector,
    kind: Type.String({ description: 'what the research catalog calls it: binary, data_dir, npm_package, …' }),
    path: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    channel: Channel,
    strong: Type.Boolean({ description: 'install evidence (true) or a trace such as a config/cache folder (false)' }),
    note: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type Signature = Static<typeof Signature>;

export const CatalogTool = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$' }),
    name: Type.String(),
    vendor: Type.String(),
    vendor_country: Type.Union([Type.String(), Type.Null()]),
    vendor_notes: Type.Union([Type.String(), Type.Null()]),
    category: Type.String(),
    kind: Type.String(),
    confidence: Type.String({ description: 'how sure the research is about these facts' }),
    binaries: Type.Array(Type.String(), { description: 'unambiguous executable names looked up on PATH' }),
    process: Type.Object(
      {
        names: Type.Array(Type.String(), { description: 'process names that identify the tool alone' }),
        argv: Type.Array(Type.String(), { description: 'path fragments of argv[0..1] that identify the tool (node/python hosts)' }),
      },
      { additionalProperties: false },
    ),
    signatures: Type.Object(
      { linux: Type.Array(Signature), darwin: Type.Array(Signature), win32: Type.Array(Signature) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CatalogTool = Static<typeof CatalogTool>;

const PerOs = Type.Object(
  { linux: Type.Array(Type.String()), darwin: Type.Array(Type.String()), win32: Type.Array(Type.String()) },
  { additionalProperties: false },
);

export const Catalog = Type.Object(
  {
    format: Type.Literal(CATALOG_FORMAT),
    catalog_version: Type.String(),
    source: Type.String(),
    locations: Type.Record(Type.String({ pattern: '^[A-Z_]+$' }), PerOs, { description: 'placeholder expansions' }),
    path_dirs: PerOs,
    tools: Type.Array(CatalogTool),
  },
  { additionalProperties: false },
);
export type Catalog = Static<typeof Catalog>;
