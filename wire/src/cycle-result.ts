// What one agent cycle tells the resident agent process (the daemon) when it ends. The cycle —
// check-in with the server, inventory scan, policy evaluation, enforcement, uploads — runs in a
// short-lived child process of the daemon (the same installed agent file, hidden `__cycle` command)
// so the SDKs it needs (axios, opa-wasm, systeminformation, ajv, node-cron) never stay resident;
// the daemon keeps only the process watch, the schedule and the push connection, and acts on this
// compact result, read from a private pipe and validated here at the boundary.
// Owned by the sync area.
import { Type, type Static } from '@sinclair/typebox';

/** One banned install the process watch keeps from running again (agent/src/enforce/watch.ts). */
export const WatchTarget = Type.Object(
  {
    tool: Type.String(),
    finding: Type.String(),
    rule: Type.String(),
    reason: Type.String(),
    bundle_revision: Type.String(),
    paths: Type.Array(Type.String({ minLength: 2 }), { minItems: 1, description: 'proven install paths whose execution is banned' }),
  },
  { additionalProperties: false },
);
export type WatchTarget = Static<typeof WatchTarget>;

/** Upper bound on the result the daemon reads from the pipe (a runaway child cannot fill its memory). */
export const MAX_CYCLE_RESULT_BYTES = 4 * 1024 * 1024;

export const CycleResult = Type.Object(
  {
    schema: Type.Literal('warden.cycle-result/v1'),
    trigger: Type.String({ maxLength: 200 }),
    /** Set when the agent cannot run at all (nothing to enforce and no way to enroll): the daemon stops at start. */
    fatal: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
    /** The cycle's error (server away, refused, …); enforcement with the last good bundle still ran. */
    error: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
    device_id: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
    /** The bundle in force after the cycle (a push notice naming another etag triggers a cycle). */
    bundle: Type.Union([Type.Object({ revision: Type.String({ maxLength: 200 }), etag: Type.String({ maxLength: 200 }), changed: Type.Boolean() }, { additionalProperties: false }), Type.Null()]),
    decisions: Type.Integer({ minimum: 0 }),
    events: Type.Integer({ minimum: 0 }),
    queued: Type.Integer({ minimum: 0 }),
    /** What the process watch enforces until the next cycle; null: the cycle did not evaluate (keep the current list). */
    watch: Type.Union([
      Type.Object(
        {
          targets: Type.Array(WatchTarget, { maxItems: 10_000 }),
          interval_ms: Type.Union([Type.Integer({ minimum: 50, maximum: 3_600_000 }), Type.Null()], { description: "the bundle's poll interval; null: the source's default" }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    /** When the next scheduled check-in is due (node-cron's next run of check_in_cron plus this device's spread offset). */
    next_check_in_at: Type.Union([Type.String({ maxLength: 40 }), Type.Null()]),
    /** Peak RSS of the cycle process (VmHWM), MB; null where the OS does not say. */
    peak_rss_mb: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    /** CPU time (user + system) the cycle process used from its start (node's own start included), ms. */
    cpu_ms: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type CycleResult = Static<typeof CycleResult>;
