// Shared set-up for the sync tests: a real warden server (buildServer + signed bundle distribution)
// on 127.0.0.1 with SQLite in a temp folder or PostgreSQL (WARDEN_TEST_PG_URL, own schema), and a
// real agent with its own state folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../server/src/app.ts';
import { openStore } from '../../server/src/store/open.ts';
import type { SqlRepository } from '../../server/src/store/sql-repository.ts';
import { installBundleDistribution, type BundleDistribution } from '../../server/src/bundle-distribution.ts';
import type { CompileBundle } from '../../server/src/bundle-builder.ts';
import { rotateEnrollSecret } from '../../server/src/routes/access.ts';
import { BUNDLE_PATH } from '../../server/src/routes/bundles.ts';
import type { SigningKey, SigningKeys } from '../../wire/src/bundle-signing.ts';
import type { BanList } from '../../wire/src/banlist.ts';
import { AGENT_CONFIG_DEFAULTS, type AgentConfig } from '../../wire/src/config.ts';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `warden-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Packs the ban list into an unsigned bundle with a real .manifest and data.json and a minimal valid
 * WebAssembly module. For tests of the distribution layer only (transport, signatures, push, queue):
 * they check which ban list the agent applied, not what a policy decides. The end-to-end test uses the
 * real compiler and the real policy.
 */
export { transportCompile } from '../support/transport-bundle.ts';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  port: number;
  store: SqlRepository;
  dist: BundleDistribution;
  enrollSecret: string;
  close(): Promise<void>;
}

export interface ServerSetup {
  dataDir: string;
  compile: CompileBundle;
  port?: number;
  signingKey?: SigningKey | SigningKeys;
  database?: string;
  pgSchema?: string;
  enrollSecret?: string;
  jitterPerAgentMs?: number;
}

export async function startServer(s: ServerSetup): Promise<TestServer> {
  const store = (await openStore({
    dataDir: s.dataDir,
    ...(s.database ? { database: s.database } : {}),
    ...(s.pgSchema ? { pgSchema: s.pgSchema } : {}),
  })) as SqlRepository;
  const app = await buildServer({ store, exceptionSweepMs: 0 });
  const dist = await installBundleDistribution(app, {
    dataDir: s.dataDir,
    compile: s.compile,
    jitterPerAgentMs: s.jitterPerAgentMs ?? 0,
    ...(s.signingKey ? { signingKey: s.signingKey } : {}),
  });
  let enrollSecret = s.enrollSecret ?? '';
  if (!enrollSecret) enrollSecret = await rotateEnrollSecret(store);
  await app.listen({ host: '127.0.0.1', port: s.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    dist,
    enrollSecret,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** Replaces the stored ban list with `list` (what `warden bans apply` does) and announces it. */
export async function applyBanList(server: TestServer, list: BanList, by = 'test'): Promise<void> {
  const { banlist, store, now } = server.app.warden;
  const changes = (await banlist.diff(list)).map((c) => ({ ...c, why: 'test change' }));
  const r = await store.changeBans(changes, by, now());
  if (typeof r !== 'object' || !('revision' in r)) throw new Error(`ban change refused: ${JSON.stringify(r)}`);
  await banlist.changed(by);
}

export function agentConfig(server: { url: string; enrollSecret: string }, stateDir: string, extra: Partial<AgentConfig> = {}): AgentConfig {
  return {
    ...AGENT_CONFIG_DEFAULTS,
    server: server.url,
    enroll_secret: server.enrollSecret,
    state_dir: stateDir,
    // Tests trigger cycles themselves or through push; the schedule stays out of the way.
    check_in_cron: '0 0 1 1 *',
    check_in_spread_ms: 0,
    backoff_min_ms: 50,
    backoff_max_ms: 500,
    request_timeout_ms: 5000,
    ...extra,
  };
}

export const pgUrl = (): string | undefined => process.env.WARDEN_TEST_PG_URL || undefined;
export const pgSchema = (): string => `t_sync_${randomBytes(5).toString('hex')}`;

/** Polls until fn returns a truthy value (server-side effects arrive asynchronously). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (true) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Bundle requests the server answered with `status` (default 200: downloads) so far (its request histogram). */
export async function bundleDownloads(server: TestServer, status = '200'): Promise<number> {
  const m = (await server.app.warden.metrics.registry.getSingleMetric('warden_http_request_duration_seconds')?.get()) as { values: { metricName?: string; labels: Record<string, unknown>; value: number }[] } | undefined;
  return (m?.values ?? []).filter((v) => v.metricName?.endsWith('_count') && v.labels.route === BUNDLE_PATH && v.labels.status === status).reduce((n, v) => n + v.value, 0);
}
