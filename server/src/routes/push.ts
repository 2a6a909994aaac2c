// Push: agents hold a WebSocket to GET /api/v1/agent/push (device credential in the Authorization header).
// The server never sends commands over it, only "a new signed bundle exists" ({type:"bundle", revision,
// etag}); the agent then checks in and downloads the bundle through the normal, verified path. An agent
// that asks for it (wire/src/push-protocol.ts) is sent the signed archive itself instead, one binary
// frame, and answers {type:"applied", etag} once it verified and applied it: a rollout costs the server
// one frame each way per agent instead of a download and a check-in; the device's bundle revision is
// recorded from the server's own bundle with that ETag (store.recordBundleApplied). The one other
// message is a per-device nudge ({type:"nudge"}, no other field) when IT decides one of that
// device's exception requests (device-nudge.ts): "check in soon", which the agent does the normal way.
// Large fleets: notifications are spread over a jitter window that grows with the number of connected
// agents (capped), like Santa's jittered tag pushes, so 10,000 agents do not download at the same
// millisecond. Agents that cannot hold a WebSocket long-poll the bundle route instead (bundles.ts).
// swagger's types add description/tags to route schemas (OpenAPI).
import type {} from '@fastify/swagger';
import type {} from '../fastify-types.ts';
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { variantFor, type BundleService, type SignedBundle } from '../bundle-builder.ts';
import { MAX_PUSHED_BUNDLE_BYTES, PUSH_BUNDLES_HEADER, PUSH_KEY_HEADER, parseApplied } from '../../../wire/src/push-protocol.ts';
import type { DeviceAuthenticator } from './bundles.ts';
import { DEVICE_NUDGE_CHANNEL, parseNudge } from '../device-nudge.ts';

export const PUSH_PATH = '/api/v1/agent/push';

export type PushMessage = { type: 'hello' | 'bundle'; revision: string | null; etag: string | null } | { type: 'nudge' };

const NUDGE: string = JSON.stringify({ type: 'nudge' } satisfies PushMessage);

export interface PushOptions {
  bundles: BundleService;
  authenticateDevice: DeviceAuthenticator;
  /** Jitter per connected agent (ms); the window is min(agents × this, maxJitterMs). */
  jitterPerAgentMs?: number;
  maxJitterMs?: number;
  /** Ping interval; agents that miss a pong are dropped. */
  pingIntervalMs?: number;
  /** Records that a device applied the bundle of `revision` (its applied frame named that bundle's ETag). */
  onApplied?: (deviceId: string, revision: string) => Promise<void>;
  /** Cross-node messages (the SQL driver's LISTEN): device nudges made on any node reach the device's socket here. */
  listen?: (channel: string, onMessage: (payload: string) => void) => Promise<() => Promise<void>>;
}

/** Connected agents, for metrics and tests. */
export class PushHub {
  readonly sockets = new Map<WebSocket, string>();
  notified = 0;
  /** Nudges sent to sockets (one per open socket of the nudged device). */
  nudged = 0;
  /** Signed archives sent as binary frames, and applied frames recorded. */
  bundlesSent = 0;
  applied = 0;

  get connected(): number {
    return this.sockets.size;
  }

  devices(): string[] {
    return [...new Set(this.sockets.values())];
  }
}

function message(type: 'hello' | 'bundle', b: SignedBundle | null): string {
  const m: PushMessage = { type, revision: b?.revision ?? null, etag: b?.etag ?? null };
  return JSON.stringify(m);
}

/**
 * How a new bundle's announcements are spread: over min(connected agents × this, DEFAULT_MAX_JITTER_MS).
 * 0.25 ms: 10,000 agents over 2.5 s. With the archive on the socket a rollout costs the server ~150–200 µs
 * per agent (bench/fleet.ts), so that window keeps it under one core; it was 0.5 ms when every agent
 * then downloaded the bundle and checked in over HTTP (~500 µs each), which alone put a 10,000-agent
 * rollout's p99 past 5 s.
 */
export const DEFAULT_JITTER_PER_AGENT_MS = 0.25;
export const DEFAULT_MAX_JITTER_MS = 10_000;

/** The archive size an agent takes over the socket (its header, capped by ours); 0: notices only. */
function pushedBundleLimit(h: string | string[] | undefined): number {
  if (typeof h !== 'string' || !/^\d{1,10}$/.test(h)) return 0;
  return Math.min(Number(h), MAX_PUSHED_BUNDLE_BYTES);
}

export async function pushRoutes(app: FastifyInstance, opts: PushOptions & { hub?: PushHub }): Promise<void> {
  const hub = opts.hub ?? new PushHub();
  const perAgent = opts.jitterPerAgentMs ?? DEFAULT_JITTER_PER_AGENT_MS;
  const maxJitter = opts.maxJitterMs ?? DEFAULT_MAX_JITTER_MS;
  const pingEvery = opts.pingIntervalMs ?? 30_000;
  const timers = new Set<NodeJS.Timeout>();

  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, { options: { maxPayload: 4096 } });
  }

  // Sockets whose agent takes signed archives over the socket: its limit and pinned key id.
  const takesBundles = new WeakMap<WebSocket, { max: number; keyId: string | undefined }>();
  const onBundle = (b: SignedBundle): void => {
    const targets = [...hub.sockets.keys()];
    const window = Math.min(targets.length * perAgent, maxJitter);
    const text = message('bundle', b);
    for (const ws of targets) {
      const deliver = (): void => {
        if (ws.readyState !== ws.OPEN) return;
        const wants = takesBundles.get(ws);
        const archive = wants ? variantFor(b, wants.keyId).archive : null;
        if (wants && archive && archive.length <= wants.max) {
          ws.send(archive, { binary: true });
          hub.bundlesSent += 1;
        } else ws.send(text);
        hub.notified += 1;
      };
      if (window < 1) {
        deliver();
        continue;
      }
      const t = setTimeout(() => {
        timers.delete(t);
        deliver();
      }, Math.random() * window);
      timers.add(t);
    }
  };
  opts.bundles.on('bundle', onBundle);

  // A nudge goes only to the named device's own sockets, at once (one device: no herd to spread).
  const onNudge = (payload: string): void => {
    const device = parseNudge(payload);
    if (!device) return;
    for (const [ws, id] of hub.sockets) {
      if (id !== device || ws.readyState !== ws.OPEN) continue;
      ws.send(NUDGE);
      hub.nudged += 1;
    }
  };
  const unlisten = opts.listen ? await opts.listen(DEVICE_NUDGE_CHANNEL, onNudge) : null;

  const alive = new WeakSet<WebSocket>();
  const pinger = setInterval(() => {
    for (const ws of hub.sockets.keys()) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, pingEvery);
  pinger.unref();

  app.addHook('onClose', async () => {
    opts.bundles.off('bundle', onBundle);
    await unlisten?.();
    clearInterval(pinger);
    for (const t of timers) clearTimeout(t);
    for (const ws of hub.sockets.keys()) ws.close(1001, 'server shutting down');
  });

  app.get(
    PUSH_PATH,
    {
      websocket: true,
      config: { auth: 'device' },
      schema: { description: 'WebSocket: the server announces new signed bundles (or, to an agent that sends x-warden-push-bundles, sends the signed archive as a binary frame, answered by {type:"applied", etag}) and nudges a device to check in when IT decides its exception requests; nothing else is ever sent', tags: ['agent'] },
      // A refused upgrade (401 from the auth hook) is answered on a socket that @fastify/websocket
      // took out of the HTTP server's bookkeeping: nothing would ever close it, leaking one file
      // descriptor per refused attempt and blocking server.close(). End it once the answer is out.
      onResponse: async (req, reply) => {
        if (reply.statusCode !== 101) req.raw.socket.destroySoon();
      },
      preValidation: async (req, reply) => {
        const device = await opts.authenticateDevice(req);
        if (!device) return reply.code(401).send({ error: 'unauthorized', message: 'a device credential is required' });
        (req as { wardenDevice?: string }).wardenDevice = device;
      },
    },
    (socket, req) => {
      const device = (req as { wardenDevice?: string }).wardenDevice ?? '';
      hub.sockets.set(socket, device);
      alive.add(socket);
      socket.on('pong', () => alive.add(socket));
      const wants = pushedBundleLimit(req.headers[PUSH_BUNDLES_HEADER]);
      if (wants > 0) {
        const key = req.headers[PUSH_KEY_HEADER];
        takesBundles.set(socket, { max: wants, keyId: typeof key === 'string' && key.length <= 64 ? key : undefined });
      }
      // The one thing an agent says here: it applied a pushed bundle. Recorded only for a bundle this
      // server serves (its own revision, not the agent's word), once per bundle and socket; anything
      // else an agent sends is ignored.
      let lastApplied = '';
      socket.on('message', (data, isBinary) => {
        if (isBinary || !opts.onApplied || !takesBundles.has(socket)) return;
        const a = parseApplied(data.toString());
        const cur = opts.bundles.current();
        if (!a || !cur || a.etag === lastApplied || (a.etag !== cur.etag && a.etag !== cur.bridge?.etag)) return;
        lastApplied = a.etag;
        hub.applied += 1;
        opts.onApplied(device, cur.revision).catch((err: unknown) => app.log.warn({ err, device }, 'applied bundle not recorded; the next check-in reports it'));
      });
      socket.on('close', () => hub.sockets.delete(socket));
      socket.on('error', () => hub.sockets.delete(socket));
      socket.send(message('hello', opts.bundles.current()));
    },
  );
}
