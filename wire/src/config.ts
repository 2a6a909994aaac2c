// Agent configuration: what `warden-agent run` needs to talk to its one server. Validated when the
// agent starts (from flags or a config file), so a typo fails loudly before anything runs.
// Owned by the sync area.
import { Type, type Static } from '@sinclair/typebox';

/** http(s) URL of the fleet server; the agent talks to this origin and nothing else. */
const ServerUrl = Type.String({ pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$', description: 'e.g. https://warden.example.com' });

export const AgentConfig = Type.Object(
  {
    server: ServerUrl,
    enroll_secret: Type.Optional(Type.String({ minLength: 1, description: 'used once to enroll; never logged or stored' })),
    bundle_public_key: Type.Optional(
      Type.String({
        pattern: '^-----BEGIN PUBLIC KEY-----',
        description: 'ed25519 key (SPKI PEM) bundles must be signed with; pinned from enrollment when absent',
      }),
    ),
    state_dir: Type.String({ minLength: 1, description: 'credential, last good bundle, upload queue' }),
    root: Type.Optional(Type.String({ minLength: 1, description: 'scan this folder as the filesystem root (tests, demo)' })),
    os: Type.Optional(Type.Union([Type.Literal('linux'), Type.Literal('darwin'), Type.Literal('win32')])),
    check_in_cron: Type.String({ minLength: 1, description: 'node-cron expression for scheduled check-ins' }),
    check_in_spread_ms: Type.Integer({
      minimum: 0,
      maximum: 3_600_000,
      description: 'each agent checks in this far after the cron tick (a fixed per-device offset), so a fleet does not hit the server in the same second',
    }),
    push: Type.Boolean({ description: 'hold a WebSocket to the server and check in when it announces a new bundle' }),
    /** Upload retry backoff: doubles from min to max, with jitter. */
    backoff_min_ms: Type.Integer({ minimum: 10 }),
    backoff_max_ms: Type.Integer({ minimum: 10 }),
    request_timeout_ms: Type.Integer({ minimum: 100 }),
    upload_batch: Type.Integer({ minimum: 1, maximum: 5000, description: 'events per upload request' }),
    dry_run: Type.Boolean({ description: 'evaluate and report, but enforce nothing locally' }),
    process_watch: Type.Optional(
      Type.Boolean({ description: 'run the process watch between cycles; default: on when scanning the real machine, off with a root folder (tests, demo, benches turn it on with --watch)' }),
    ),
    cycle_timeout_ms: Type.Integer({
      minimum: 1000,
      maximum: 3_600_000,
      description: 'a cycle child (sync, scan, evaluate, enforce) still running after this long is killed; the daemon reports it and retries',
    }),
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof AgentConfig>;

export const AGENT_CONFIG_DEFAULTS = {
  check_in_cron: '*/5 * * * *',
  check_in_spread_ms: 60_000,
  push: true,
  backoff_min_ms: 1000,
  backoff_max_ms: 5 * 60 * 1000,
  request_timeout_ms: 30_000,
  upload_batch: 500,
  dry_run: false,
  cycle_timeout_ms: 10 * 60 * 1000,
} as const satisfies Partial<AgentConfig>;
