// The fleet of one, as a library (cli/demo.ts prints it; test/sync/demo-e2e.test.ts checks it):
// a real warden server on 127.0.0.1 with SQLite in a local data folder, a demo admin, the fleet policy
// published with the example ban list through the admin API, a generated demo root with fake AI-tool
// installs (never the real home), and a real agent enrolled with the enroll secret that scans the demo
// root, verifies the signed bundle, decides with the policy and enforces inside the demo root.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import axios from 'axios';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server/src/app.ts';
import { openStore } from '../server/src/store/open.ts';
import type { SqlRepository } from '../server/src/store/sql-repository.ts';
import { installBundleDistribution, type BundleDistribution } from '../server/src/bundle-distribution.ts';
import { compilerBundle, defaultPolicySources } from '../server/src/bundle-compile.ts';
import { compileFleetPolicy } from '../server/src/policy/fleet-policy.ts';
import { WasmPolicyEvaluator } from '../server/src/policy/wasm-evaluator.ts';
import type { CompileBundle } from '../server/src/bundle-builder.ts';
import { createUser, issueApiToken, rotateEnrollSecret } from '../server/src/routes/access.ts';
import { keyIdOf } from '../wire/src/bundle-signing.ts';
import { AGENT_CONFIG_DEFAULTS } from '../wire/src/config.ts';
import type { BanList } from '../wire/src/banlist.ts';
import { createDemoRoot, type DemoExpectation } from '../agent/src/demo-root.ts';
import { hostOs } from '../agent/src/inventory/scan.ts';
import { SyncAgent, type CycleReport, type LogFn } from '../agent/src/sync/sync-agent.ts';
import { createPipeline } from '../agent/src/sync/pipeline.ts';
import { INSTALL_ROOT } from '../wire/src/install-root.ts';
import { enforceState, userPublicDir } from '../agent/src/enforce/state.ts';
import { startTrayServer } from '../tray-app/src/server.ts';
import { currentUserKey } from '../tray-app/src/paths.ts';

export interface DemoOptions {
  /** Data folder (default .data/demo in the repository, gitignored); wiped at start. */
  dataDir?: string;
  /** Port to listen on; 0 = any free port. */
  port?: number;
  banListFile?: string;
  /** Compiles the bundle; default: warden's compiler on policies/*.rego. */
  compile?: CompileBundle;
  log?: LogFn;
  /** Longest wait for the agent's first enforcing cycle. */
  timeoutMs?: number;
  /** postgres://… to run the same flow on PostgreSQL (tests); default the embedded SQLite. */
  database?: string;
  pgSchema?: string;
}

export interface DemoRun {
  url: string;
  dataDir: string;
  root: string;
  admin: { username: string; password: string; token: string };
  enrollSecret: string;
  bundle: { revision: string; keyId: string } | null;
  /** Why no bundle could be built (e.g. the compiler cannot compile the policy yet). */
  bundleError: string | null;
  expected: DemoExpectation[];
  cycle: CycleReport;
  /** The server's compliance report for this device, read with the admin token. */
  report: { noncompliant: unknown; events: unknown };
  deviceId: string;
  /** The tray's pages for the demo root's employees (homes owned by this process's user). */
  trayUrl: string;
  server: FastifyInstance;
  store: SqlRepository;
  dist: BundleDistribution;
  agent: SyncAgent;
  stop(): Promise<void>;
}

const listen = async (app: FastifyInstance, port: number): Promise<number> => {
  try {
    await app.listen({ host: '127.0.0.1', port });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw e;
    await app.listen({ host: '127.0.0.1', port: 0 }); // the usual port is taken: any free one
  }
  const a = app.server.address();
  return typeof a === 'object' && a ? a.port : port;
};

const REPO = INSTALL_ROOT;

export async function runDemo(opts: DemoOptions = {}): Promise<DemoRun> {
  const dataDir = resolve(opts.dataDir ?? join(REPO, '.data', 'demo'));
  // Everything here is generated demo state; start clean so the output is the same on every run.
  rmSync(dataDir, { recursive: true, force: true });
  const serverDir = join(dataDir, 'server');
  const root = join(dataDir, 'demo-root');
  const agentDir = join(dataDir, 'agent');
  mkdirSync(serverDir, { recursive: true, mode: 0o700 });

  // 1. The server: SQLite in the data folder, signed bundles + push.
  const store = (await openStore({
    dataDir: serverDir,
    ...(opts.database ? { database: opts.database } : {}),
    ...(opts.pgSchema ? { pgSchema: opts.pgSchema } : {}),
  })) as SqlRepository;
  // One compilation of the fleet policy serves both the bundles and the server's own evaluator
  // (impact preview, compliance report).
  let wasm: Promise<Buffer> | null = null;
  const policyWasm = (): Promise<Buffer> => (wasm ??= compileFleetPolicy().catch((e: unknown) => {
    wasm = null;
    throw e;
  }));
  const server = await buildServer({ store, evaluator: new WasmPolicyEvaluator(policyWasm) });
  let bundleError: string | null = null;
  const dist = await installBundleDistribution(server, {
    dataDir: serverDir,
    compile: opts.compile ?? compilerBundle(defaultPolicySources(), policyWasm),
    onError: (e) => {
      bundleError = e.message;
    },
  });
  const port = await listen(server, opts.port ?? 8420);
  const url = `http://127.0.0.1:${port}`;
  const stopServer = async (): Promise<void> => {
    await server.close();
    await store.close();
  };

  try {
    // 2. A demo admin and the fleet enroll secret (stored hashed; printed once).
    const password = `demo-${randomBytes(9).toString('base64url')}`;
    const adminId = await createUser(store, 'demo-admin', 'admin', password, Date.now());
    const { token } = await issueApiToken(store, adminId, 'demo', null, Date.now());
    const enrollSecret = await rotateEnrollSecret(store);

    // 3. Publish the default policy with the example ban list, as IT would: through the admin API.
    const list = JSON.parse(readFileSync(opts.banListFile ?? join(REPO, 'policies', 'examples', 'ban-claude-code.json'), 'utf8')) as BanList;
    const before = dist.bundles.current()?.seq ?? 0;
    const put = await axios.put(`${url}/api/v1/bans`, { list, why: 'demo: publish the example ban list' }, { headers: { authorization: `Bearer ${token}` }, validateStatus: () => true });
    if (put.status !== 200) throw new Error(`publishing the ban list failed: ${put.status} ${JSON.stringify(put.data)}`);
    const snap = await server.warden.banlist.snapshot();
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    while (!bundleError && !((dist.bundles.current()?.seq ?? 0) > before && dist.bundles.current()?.revision === snap.revision)) {
      if (Date.now() > deadline) throw new Error('the server did not build a bundle in time');
      await new Promise((r) => setTimeout(r, 50));
    }
    const cur = dist.bundles.current();
    const bundle = !bundleError && cur ? { revision: cur.revision, keyId: keyIdOf(dist.bundles.publicKeyPem) } : null;

    // 4. A demo root with fake installs, and a real agent enrolled with the enroll secret.
    const os = hostOs();
    const expected = createDemoRoot(root, os);
    const config = {
      ...AGENT_CONFIG_DEFAULTS,
      server: url,
      enroll_secret: enrollSecret,
      state_dir: agentDir,
      root,
      os,
      check_in_cron: '*/1 * * * *',
      check_in_spread_ms: 0,
      backoff_min_ms: 500,
      backoff_max_ms: 30_000,
    };
    const agent = new SyncAgent(config, await createPipeline(config), opts.log ?? (() => undefined));
    const first = agent.waitFor((r) => r.error === null && (bundle === null || r.bundle?.revision === bundle.revision), opts.timeoutMs ?? 120_000);
    await agent.start();
    const cycle = await first;
    const deviceId = agent.deviceId as string;

    // 5. What compliance sees on the server.
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const get = (path: string, params: Record<string, string | number> = {}): Promise<unknown> =>
      axios.get(`${url}${path}`, { ...auth, params, validateStatus: () => true }).then((r) => (r.status === 200 ? (r.data as unknown) : { error: `${r.status}: ${(r.data as { message?: string })?.message ?? ''}` }));
    const [noncompliant, events] = await Promise.all([get('/api/v1/reports/noncompliant-devices'), get('/api/v1/events', { device: deviceId, limit: 200 })]);

    // 6. What the employees see: the tray's pages over the agent's public state (their notices,
    // exception requests, what warden checks), in any browser.
    const state = enforceState(agentDir);
    const tray = await startTrayServer({ userDir: userPublicDir(state, currentUserKey()), machineDir: state.machineDir, trayStateDir: join(dataDir, 'tray') });

    return {
      url,
      dataDir,
      root,
      admin: { username: 'demo-admin', password, token },
      enrollSecret,
      bundle,
      bundleError,
      expected,
      cycle,
      report: { noncompliant, events },
      deviceId,
      trayUrl: tray.url,
      server,
      store,
      dist,
      agent,
      stop: async () => {
        await tray.close();
        await agent.stop();
        await stopServer();
      },
    };
  } catch (e) {
    await stopServer().catch(() => undefined);
    throw e;
  }
}
