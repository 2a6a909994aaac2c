// Wires signed bundles and push into a built server (server/src/app.ts):
//   const app = await buildServer({ store });
//   const dist = await installBundleDistribution(app, { dataDir, compile });
// It loads (or creates, 0600) the signing key in the data folder, registers the bundle, push and
// rollout routes, and becomes the ban list's publisher: a ban change is first built as a dry run (a
// list no bundle can be built from is refused to the caller, nothing stored), then stored and
// published. A build that still fails is recorded (bundle-status.ts: rollout status, metric, audit)
// and retried with backoff while agents keep the previous bundle. At start it publishes one when the
// stored bundle does not match the current ban list (first start, or a change made while down).
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { loadSigningKeys, type SigningKey, type SigningKeys } from '../../wire/src/bundle-signing.ts';
import { sealedEnrollRoutes } from './routes/enroll-sealed.ts';
import { BundleService, type CompileBundle, type SignedBundle } from './bundle-builder.ts';
import { BundleBuildError, type BanlistSnapshot, type BundleOutcome } from './banlist/service.ts';
import { BundleBuildStatus, describe } from './bundle-status.ts';
import { bundleRoutes } from './routes/bundles.ts';
import { pushRoutes, PushHub } from './routes/push.ts';
import { membershipRoutes } from './routes/memberships.ts';
import { rolloutRoutes } from './routes/rollout.ts';
import type { SqlDriver } from './store/sql-driver.ts';

export interface BundleDistributionOptions {
  /** Folder holding bundle-signing.key (created 0600 on first start) and, during a rotation, bundle-signing.previous.key. */
  dataDir?: string;
  /** Or a key given directly (tests); `{ current, previous }` during a rotation. */
  signingKey?: SigningKey | SigningKeys;
  compile: CompileBundle;
  /** Defaults to the store's own driver (SqlRepository.driver). */
  driver?: SqlDriver;
  jitterPerAgentMs?: number;
  maxJitterMs?: number;
  maxLongPollSeconds?: number;
  /** Called when building a bundle after a ban change fails (the previous bundle stays served). */
  onError?: (err: Error) => void;
  /** First retry of a failed build (doubling up to 10 minutes; default 30 s; 0 = no retries). */
  retryMs?: number;
}

export interface BundleDistribution {
  bundles: BundleService;
  hub: PushHub;
  status: BundleBuildStatus;
  /** Builds a bundle from the current ban list now (start-up, tests); throws when the build fails. */
  publishCurrent(): Promise<SignedBundle>;
}

const MAX_RETRY_MS = 10 * 60_000;

export async function installBundleDistribution(app: FastifyInstance, opts: BundleDistributionOptions): Promise<BundleDistribution> {
  const given = opts.signingKey ?? (opts.dataDir ? loadSigningKeys(opts.dataDir) : null);
  if (!given) throw new Error('installBundleDistribution needs dataDir (for the signing key) or signingKey');
  const keys: SigningKeys = 'current' in given ? given : { current: given, previous: null };
  const key = keys.current;
  const driver = opts.driver ?? (app.warden.store as { driver?: SqlDriver }).driver;
  if (!driver) throw new Error('installBundleDistribution needs the SQL driver of the store');
  const bundles = new BundleService(driver, keys, opts.compile);
  await bundles.start();
  const hub = new PushHub();
  const authenticateDevice = app.warden.authenticateDevice;
  await app.register(bundleRoutes, { bundles, authenticateDevice, maxWaitSeconds: opts.maxLongPollSeconds ?? 60 });
  // Group memberships are signed with the same key as bundles (the agent pins one key).
  await app.register(membershipRoutes, { key, authenticateDevice });
  // Agents enroll (and re-enroll) only with a server that proves the key they pin.
  await app.register(sealedEnrollRoutes, { keys: () => bundles.signingKeys });
  await app.register(pushRoutes, {
    bundles,
    authenticateDevice,
    hub,
    listen: (channel, onMessage) => driver.listen(channel, onMessage),
    onApplied: (deviceId, revision) => app.warden.store.recordBundleApplied(deviceId, app.warden.now(), revision),
    ...(opts.jitterPerAgentMs !== undefined ? { jitterPerAgentMs: opts.jitterPerAgentMs } : {}),
    ...(opts.maxJitterMs !== undefined ? { maxJitterMs: opts.maxJitterMs } : {}),
  });

  const { banlist, store, now, metrics } = app.warden;
  const status = new BundleBuildStatus(store, metrics.registry, now);
  await app.register(rolloutRoutes, { bundles, status, banlist, store });
  new Gauge({
    name: 'warden_bundle_stale',
    help: '1 while the bundle served to agents is not built from the current ban list, else 0',
    registers: [metrics.registry],
    async collect() {
      const want = (await banlist.snapshot()).revision;
      this.set(bundles.current()?.revision === want ? 0 : 1);
    },
  });

  const onError = opts.onError ?? ((err: Error) => app.log.error({ err }, 'bundle build failed; still serving the previous bundle'));
  const baseRetry = opts.retryMs ?? 30_000;
  let retryDelay = baseRetry;
  let retryTimer: NodeJS.Timeout | null = null;
  let closed = false;

  const publishSnapshot = async (snap: BanlistSnapshot, by: string): Promise<BundleOutcome> => {
    try {
      const b = await bundles.publish({ source: snap.revision, data: snap.list as unknown as Record<string, unknown> });
      await status.succeeded(b.revision, b.seq);
      retryDelay = baseRetry;
      return { state: 'published', revision: b.revision, seq: b.seq, etag: b.etag };
    } catch (e) {
      const error = await status.failed(snap.revision, e, by).catch(() => describe(e));
      onError(e instanceof Error ? e : new Error(String(e)));
      scheduleRetry();
      return { state: 'failed', revision: snap.revision, error };
    }
  };
  // Failed builds are retried from the then-current list (a transient database error heals on its own).
  const scheduleRetry = (): void => {
    if (closed || baseRetry <= 0 || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      retryDelay = Math.min(retryDelay * 2, MAX_RETRY_MS);
      void banlist
        .snapshot()
        .then((snap) => (bundles.current()?.revision === snap.revision ? null : publishSnapshot(snap, 'system')))
        .catch(() => scheduleRetry());
    }, retryDelay);
    retryTimer.unref();
  };

  banlist.setPublisher({
    check: async (list) => {
      try {
        await bundles.check({ source: 'check', data: list as unknown as Record<string, unknown> });
      } catch (e) {
        status.refused();
        throw new BundleBuildError(describe(e));
      }
    },
    publish: publishSnapshot,
  });
  app.warden.bundleStatus = () => {
    const b = bundles.current();
    return b ? { revision: b.revision, builtAt: b.createdAt, connected: hub.connected } : null;
  };
  app.addHook('onClose', async () => {
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    banlist.setPublisher(null);
    await bundles.stop();
  });

  const publishCurrent = async (): Promise<SignedBundle> => {
    const snap = await banlist.snapshot();
    const out = await publishSnapshot(snap, 'system');
    if (out.state === 'failed') throw new Error(`bundle build failed: ${out.error}`);
    return bundles.current() as SignedBundle;
  };

  // Serve a bundle that matches the ban list from the first request on.
  const snap = await banlist.snapshot();
  const cur = bundles.current();
  // ...and signed by this node's keys (after `warden server rotate-key`, the first start re-signs).
  if (!cur || cur.revision !== snap.revision || !bundles.signedWithCurrentKeys()) await publishSnapshot(snap, 'system');
  return { bundles, hub, status, publishCurrent };
}
