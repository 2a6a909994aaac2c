// The fleet behind the console test: a real warden server (SQLite in a temp folder, the fleet policy
// compiled by warden's compiler, signed bundles and push) with real agents — the agent's own sync
// loop and pipeline (scan → verify bundle → evaluate → enforce → upload) — each over its own
// generated demo root (linux, darwin and win32 layouts: different tools, users and platforms).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../server/src/app.ts';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../server/src/store/open.ts';
import { PostgresDriver } from '../../server/src/store/postgres-driver.ts';
import type { SqlRepository } from '../../server/src/store/sql-repository.ts';
import { installBundleDistribution, type BundleDistribution } from '../../server/src/bundle-distribution.ts';
import { compilerBundle, defaultPolicySources } from '../../server/src/bundle-compile.ts';
import { compileFleetPolicy } from '../../server/src/policy/fleet-policy.ts';
import { WasmPolicyEvaluator } from '../../server/src/policy/wasm-evaluator.ts';
import { createUser, issueApiToken, rotateEnrollSecret } from '../../server/src/routes/access.ts';
import { createDemoRoot } from '../../agent/src/demo-root.ts';
import { SyncAgent } from '../../agent/src/sync/sync-agent.ts';
import { createPipeline } from '../../agent/src/sync/pipeline.ts';
import { AGENT_CONFIG_DEFAULTS } from '../../wire/src/config.ts';
import type { LayoutOs } from '../../wire/src/catalog.ts';
import type { BanList } from '../../wire/src/banlist.ts';

export const PASSWORD = 'correct horse battery staple';

export interface ConsoleFleet {
  url: string;
  app: FastifyInstance;
  store: SqlRepository;
  dist: BundleDistribution;
  agents: SyncAgent[];
  adminToken: string;
  close(): Promise<void>;
}

/** The list the fleet starts with: nothing banned yet, Claude Code only observed. */
export const START_LIST: BanList = {
  schema: 'warden.banlist/v1',
  name: 'console test',
  mode: 'enforce',
  default_action: 'allow',
  message: 'This AI tool is not approved here.',
  alternative: '',
  rules: [{ id: 'observe-claude-code', action: 'observe', match: { tools: ['claude-code'] } }],
  exceptions: [],
};

// Every fleet in the process serves the same policy sources: compiled once (a compile costs seconds).
let wasm: Promise<Buffer> | null = null;
const policyWasm = (): Promise<Buffer> => (wasm ??= compileFleetPolicy());

/** With pgUrl the server's data lives in a fresh PostgreSQL schema of its own, dropped at close. */
export async function startConsoleFleet(layouts: LayoutOs[], opts: { pgUrl?: string } = {}): Promise<ConsoleFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-console-test-'));
  const pgSchema = opts.pgUrl ? `console_${randomBytes(6).toString('hex')}` : null;
  const store = (opts.pgUrl && pgSchema ? await openStore({ database: opts.pgUrl, pgSchema }) : await openStore({ dataDir: join(dir, 'server') })) as SqlRepository;
  // Webhooks may reach the test's receiver on loopback (the integrations page).
  const app = await buildServer({ store, evaluator: new WasmPolicyEvaluator(policyWasm), exceptionSweepMs: 0, complianceSampleMs: 250, integrations: { allow: ['127.0.0.1/32'], pollMs: 200 } });
  const dist = await installBundleDistribution(app, { dataDir: join(dir, 'server'), compile: compilerBundle(defaultPolicySources(), policyWasm), jitterPerAgentMs: 0 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const agents: SyncAgent[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(agents.map((a) => a.stop()));
    await app.close();
    await store.close();
    if (opts.pgUrl && pgSchema) {
      const drop = new PostgresDriver({ url: opts.pgUrl, schema: pgSchema });
      await drop.dropSchema().finally(() => drop.close());
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const now = Date.now();
    const adminId = await createUser(store, 'ada', 'admin', PASSWORD, now);
    await createUser(store, 'audrey', 'auditor', PASSWORD, now);
    await createUser(store, 'eddie', 'policy-editor', PASSWORD, now);
    const adminToken = (await issueApiToken(store, adminId, 'test setup', null, now)).token;
    const enrollSecret = await rotateEnrollSecret(store);
    const put = await fetch(`${url}/api/v1/bans`, { method: 'PUT', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ list: START_LIST, why: 'test: starting list' }) });
    if (put.status !== 200) throw new Error(`publishing the starting list: ${put.status} ${await put.text()}`);
    const revision = (await app.warden.banlist.snapshot()).revision;
    for (const os of layouts) {
      const root = join(dir, `root-${os}`);
      createDemoRoot(root, os);
      const config = { ...AGENT_CONFIG_DEFAULTS, server: url, enroll_secret: enrollSecret, state_dir: join(dir, `agent-${os}`), root, os, check_in_cron: '0 0 1 1 *', check_in_spread_ms: 0, backoff_min_ms: 200, backoff_max_ms: 2000 };
      const agent = new SyncAgent(config, await createPipeline(config), () => undefined);
      agents.push(agent);
    }
    // Every agent enrolled, scanned, applied the starting bundle and checked in.
    await Promise.all(
      agents.map(async (a) => {
        const first = a.waitFor((r) => r.error === null && r.bundle?.revision === revision, 90_000);
        await a.start();
        await first;
      }),
    );
    return { url, app, store, dist, agents, adminToken, close };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}
