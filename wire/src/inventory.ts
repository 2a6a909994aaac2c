// The agent's inventory: what an endpoint reports, what policy decides on, what compliance pulls.
// Owned by the inventory area (agent/src/inventory); enforcement and the server import it.
// Collects only what policy needs: tool identities, versions, install paths, matched process
// paths — never file contents, full command lines (they may hold API keys) or history.
import { Type, type Static } from '@sinclair/typebox';
import { BypassSignal } from './bypass.ts';

export const INVENTORY_SCHEMA_VERSION = 1;

/** How a tool got onto the machine (one finding per tool × user × channel). */
export const Channel = Type.Union(
  [
    Type.Literal('npm'), // global npm/pnpm/bun/yarn/volta/nvm/fnm package
    Type.Literal('pip'), // site-packages or a virtualenv
    Type.Literal('pipx'),
    Type.Literal('uv_tool'),
    Type.Literal('brew_formula'),
    Type.Literal('brew_cask'),
    Type.Literal('native'), // vendor installer: version folders, ~/.local/bin, Program Files…
    Type.Literal('app'), // macOS .app bundle or a desktop app install folder
    Type.Literal('msix'), // Windows Store / MSIX package
    Type.Literal('system_package'), // .deb/.rpm/AppImage/systemd unit
    Type.Literal('vscode_extension'),
    Type.Literal('jetbrains_plugin'),
    Type.Literal('browser_extension'),
    Type.Literal('path_binary'), // an executable of a known name on PATH, origin unknown
    Type.Literal('process'), // seen only as a running process
    Type.Literal('traces'), // only config/data/cache folders: used before, maybe uninstalled
  ],
  { description: 'install channel' },
);
export type Channel = Static<typeof Channel>;

export const Confidence = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
export type Confidence = Static<typeof Confidence>;

/** One signal that matched: which detector primitive, where, and what it read. */
export const Evidence = Type.Object(
  {
    signal: Type.String({ description: 'detector primitive / catalog signature type, e.g. npm_package, app_bundle, process' }),
    path: Type.String({ description: 'absolute path on the scanning host (on a real endpoint the path itself; with --root DIR it starts with DIR)' }),
    version: Type.Optional(Type.String()),
    strong: Type.Boolean({ description: 'true for install manifests, binaries, bundles, processes; false for config/data/cache traces' }),
    detail: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type Evidence = Static<typeof Evidence>;

export const RunningProcess = Type.Object(
  {
    pid: Type.Integer({ minimum: 1 }),
    name: Type.String({ description: 'process name (comm)' }),
    matched: Type.String({ description: 'the file it runs that identified the tool: its executable, or an interpreter\'s proven script (never other arguments)' }),
    user: Type.Optional(Type.String()),
    start: Type.Optional(Type.String({ description: 'start time as the OS records it (Linux: clock ticks after boot); with pid it names one process, so a reused pid is not signalled' })),
  },
  { additionalProperties: false },
);
export type RunningProcess = Static<typeof RunningProcess>;

/** An MCP server a tool's config names. Never its arguments or env (they hold tokens). */
export const McpServer = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    transport: Type.Union([Type.Literal('stdio'), Type.Literal('http'), Type.Literal('sse'), Type.Literal('unknown')]),
    command: Type.Union([Type.String({ maxLength: 100 }), Type.Null()], { description: 'stdio: the program file name only (npx, uvx, node), no arguments' }),
    url: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()], { description: 'http/sse: scheme://host/path, without user info, query or fragment' }),
    scope: Type.Union([Type.Literal('user'), Type.Literal('project'), Type.Literal('managed')]),
    config: Type.String({ description: 'the config file that names it' }),
  },
  { additionalProperties: false },
);
export type McpServer = Static<typeof McpServer>;

export const Finding = Type.Object(
  {
    tool_id: Type.String({ description: 'catalog id, e.g. claude-code' }),
    name: Type.String(),
    vendor: Type.String(),
    vendor_country: Type.Union([Type.String(), Type.Null()], { description: 'ISO 3166 alpha-2 of the vendor HQ, null when unknown' }),
    category: Type.String(),
    version: Type.Union([Type.String(), Type.Null()]),
    channel: Channel,
    user: Type.Union([Type.String(), Type.Null()], { description: 'owner home (user name), null for machine-wide installs' }),
    paths: Type.Array(Type.String()),
    evidence: Type.Array(Evidence),
    confidence: Confidence,
    running: Type.Array(RunningProcess),
    mcp_servers: Type.Optional(Type.Array(McpServer, { description: "MCP servers the tool's config files name" })),
    bypasses: Type.Optional(Type.Array(BypassSignal, { description: "ways the tool's managed settings were seen bypassed (agent/src/inventory/bypass.ts)" })),
  },
  { additionalProperties: false },
);
export type Finding = Static<typeof Finding>;

export const HostFacts = Type.Object(
  {
    hostname: Type.String(),
    os: Type.Object(
      {
        platform: Type.Union([Type.Literal('linux'), Type.Literal('darwin'), Type.Literal('win32')], { description: 'layout rules applied' }),
        distro: Type.String(),
        release: Type.String(),
        arch: Type.String(),
      },
      { additionalProperties: false },
    ),
    serial: Type.Union([Type.String(), Type.Null()]),
    users: Type.Array(Type.String(), { description: 'user homes found and scanned' }),
  },
  { additionalProperties: false },
);
export type HostFacts = Static<typeof HostFacts>;

/** A place the scan could not read, with why; the scan still completes. */
export const Skipped = Type.Object(
  {
    path: Type.String(),
    reason: Type.String(),
  },
  { additionalProperties: false },
);
export type Skipped = Static<typeof Skipped>;

export const Inventory = Type.Object(
  {
    schema_version: Type.Literal(INVENTORY_SCHEMA_VERSION),
    scanned_at: Type.String({ format: 'date-time' }),
    duration_ms: Type.Number({ minimum: 0 }),
    root: Type.String({ description: 'filesystem root scanned ("/" on a real endpoint)' }),
    catalog_version: Type.String(),
    host: HostFacts,
    findings: Type.Array(Finding),
    skipped: Type.Array(Skipped),
  },
  { additionalProperties: false },
);
export type Inventory = Static<typeof Inventory>;
