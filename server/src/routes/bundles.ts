// Bundle service, compatible with OPA's bundle API: GET <service>/bundles/warden returns the signed
// tar.gz with a strong ETag; If-None-Match with the current ETag gets 304. OPA-style long polling:
// `Prefer: wait=<seconds>` with a current ETag holds the request until a new bundle exists (then 200)
// or the wait ends (304). This doubles as the push fallback for agents that cannot hold a WebSocket.
// Every route needs a device credential; the public key route lets a freshly enrolled agent pin the
// key (when its config did not already pin one).
// swagger's types add description/tags to route schemas (OpenAPI).
import type {} from '@fastify/swagger';
import type {} from '../fastify-types.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { variantFor, type BundleService, type SignedBundle } from '../bundle-builder.ts';

/** Resolves the device a request authenticates as, or null (→ 401). */
export type DeviceAuthenticator = (req: FastifyRequest) => Promise<string | null>;

export interface BundleRoutesOptions {
  bundles: BundleService;
  authenticateDevice: DeviceAuthenticator;
  /** Longest long-poll hold (seconds); OPA's own default timeout is 60 s. */
  maxWaitSeconds?: number;
}

export const BUNDLE_NAME = 'warden';
export const BUNDLE_PATH = `/api/v1/bundles/${BUNDLE_NAME}`;
export const BUNDLE_KEY_PATH = '/api/v1/bundles/public-key';
const LONG_POLL_TYPE = 'application/vnd.openpolicyagent.bundles';

function requestedWait(req: FastifyRequest, max: number): number {
  const prefer = req.headers.prefer;
  const m = typeof prefer === 'string' ? /(?:^|[;,\s])wait=(\d{1,6})/.exec(prefer) : null;
  return m ? Math.min(Number(m[1]), max) : 0;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*');
}

/** The agent names the key it pins; during a rotation one pinning the previous key gets the bridge copy. */
export const BUNDLE_KEY_HEADER = 'x-warden-bundle-key';

function send(reply: FastifyReply, b: SignedBundle, longPoll: boolean, keyId: string | undefined): FastifyReply {
  const v = variantFor(b, keyId);
  return reply
    .code(200)
    .header('etag', v.etag)
    .header('x-warden-bundle-revision', b.revision)
    .header('cache-control', 'no-cache')
    .type(longPoll ? LONG_POLL_TYPE : 'application/gzip')
    .send(v.archive);
}

export async function bundleRoutes(app: FastifyInstance, opts: BundleRoutesOptions): Promise<void> {
  const maxWait = opts.maxWaitSeconds ?? 60;
  // Shutting down must not wait out every held long poll: answer them (304) at once.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const unauthorized = (reply: FastifyReply) => reply.code(401).send({ error: 'unauthorized', message: 'a device credential is required' });

  app.get(
    BUNDLE_PATH,
    {
      config: { auth: 'device' },
      schema: {
        description: 'Signed policy bundle (OPA bundle API): ETag/304 and long polling with Prefer: wait=N',
        tags: ['agent'],
        headers: {
          type: 'object',
          properties: { 'if-none-match': { type: 'string', maxLength: 512 }, prefer: { type: 'string', maxLength: 128 }, [BUNDLE_KEY_HEADER]: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (req, reply) => {
      if (!(await opts.authenticateDevice(req))) return unauthorized(reply);
      const ifNoneMatch = req.headers['if-none-match'];
      const keyHeader = req.headers[BUNDLE_KEY_HEADER];
      const keyId = typeof keyHeader === 'string' ? keyHeader : undefined;
      const wait = requestedWait(req, maxWait);
      const cur = opts.bundles.current();
      if (cur && !etagMatches(ifNoneMatch, variantFor(cur, keyId).etag)) return send(reply, cur, wait > 0, keyId);
      if (wait > 0) {
        // Hold the request; give up early if the agent goes away.
        const ac = new AbortController();
        const onClose = (): void => ac.abort();
        req.raw.socket.once('close', onClose);
        const next = await opts.bundles.waitForChange(cur?.etag, wait * 1000, AbortSignal.any([ac.signal, closing.signal]));
        req.raw.socket.off('close', onClose);
        if (next) return send(reply, next, true, keyId);
        if (!cur) return reply.code(404).type(LONG_POLL_TYPE).send({ error: 'no_bundle', message: 'no policy bundle has been published yet' });
        return reply.code(304).header('etag', variantFor(cur, keyId).etag).type(LONG_POLL_TYPE).send();
      }
      if (!cur) return reply.code(404).send({ error: 'no_bundle', message: 'no policy bundle has been published yet' });
      return reply.code(304).header('etag', variantFor(cur, keyId).etag).send();
    },
  );

  app.get(
    BUNDLE_KEY_PATH,
    { config: { auth: 'device' }, schema: { description: 'The ed25519 public key (SPKI PEM) that signs bundles', tags: ['agent'] } },
    async (req, reply) => {
      if (!(await opts.authenticateDevice(req))) return unauthorized(reply);
      return reply.type('application/x-pem-file').send(opts.bundles.publicKeyPem);
    },
  );
}
