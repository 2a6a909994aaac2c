// Rollout status: which ban-list revision the fleet should run, which bundle is being served, whether
// the last build failed (and why), and how many active devices report the served bundle. Read by
// every admin role; registered with the bundle service (bundle-distribution.ts).
import type { FastifyInstance } from 'fastify';
import type { BundleService } from '../bundle-builder.ts';
import type { BundleBuildStatus } from '../bundle-status.ts';
import type { BanlistService } from '../banlist/service.ts';
import type { Repository } from '../store/types.ts';
import { READ_ROLES } from '../auth/principal.ts';
import { NoQuery } from '../schemas/api.ts';

export interface RolloutRoutesOptions {
  bundles: BundleService;
  status: BundleBuildStatus;
  banlist: BanlistService;
  store: Repository;
}

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export async function rolloutRoutes(app: FastifyInstance, { bundles, status, banlist, store }: RolloutRoutesOptions): Promise<void> {
  app.get(
    '/api/v1/rollout',
    { config: { auth: READ_ROLES }, schema: { tags: ['ban list'], description: 'Bundle rollout: wanted revision, served bundle, last build result (and why it failed), devices on the served bundle', querystring: NoQuery } },
    async () => {
      const [snap, build] = await Promise.all([banlist.snapshot(), status.get()]);
      const cur = bundles.current();
      const devices = cur ? await store.bundleRollout(cur.revision) : { ...(await store.bundleRollout('')), current: 0 };
      return {
        wanted_revision: snap.revision,
        bundle: cur ? { revision: cur.revision, seq: cur.seq, etag: cur.etag, signed_at: iso(cur.iat * 1000), built_at: iso(cur.createdAt) } : null,
        // stale: agents are being served a bundle that does not carry the current ban list.
        stale: cur?.revision !== snap.revision,
        build: build ? { state: build.state, revision: build.revision, at: iso(build.at), error: build.error, consecutive_failures: build.failures } : null,
        devices: { active: devices.active, on_served_bundle: devices.current, behind: devices.active - devices.current },
      };
    },
  );
}
