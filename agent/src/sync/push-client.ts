// Holds the push WebSocket to the agent's server and reconnects with backoff. Messages only say "a
// new bundle exists" or, per device, "check in soon" (a nudge: IT decided one of this device's
// exception requests); the agent then checks in, fetches and verifies the normal way, so nothing
// arriving here is ever executed or trusted as policy or state. Anything else is dropped unread.
// With `bundles` set, the agent asks the server to send new signed bundles themselves as binary
// frames (wire/src/push-protocol.ts): they are handed on as bytes, to be verified against the pinned
// key like a download (a forged or truncated one is refused there), and a frame past the limit closes
// the connection (reconnect with backoff). `applied(etag)` answers on the same socket once applied.
import { join } from 'node:path';
import WebSocket from 'ws';
import { Backoff, sleep } from './backoff.ts';
import { PUSH_BUNDLES_HEADER, PUSH_KEY_HEADER, type PushApplied } from '../../../wire/src/push-protocol.ts';

/** Where the daemon (daemon.ts) leaves a signed archive its push socket received, for the next cycle to verify and apply. */
export const pushedBundlePath = (stateDir: string): string => join(stateDir, 'push-bundle.tar.gz');

export type PushNotice = { type: 'hello' | 'bundle'; revision: string | null; etag: string | null } | { type: 'nudge' };

export interface PushClientOptions {
  url: string;
  credential: () => string | null;
  onNotice: (n: PushNotice) => void;
  onState?: (connected: boolean, error?: string) => void;
  /** Take signed bundles over the socket: archives up to maxBytes go to onArchive (unverified bytes). */
  bundles?: { maxBytes: number; keyId: () => string | null; onArchive: (archive: Buffer) => void };
  backoffMinMs: number;
  backoffMaxMs: number;
}

/** Text frames only; exported for tests. A nudge carries nothing: any other field it has is not read. */
export function parseNotice(data: WebSocket.RawData, isBinary = false): PushNotice | null {
  if (isBinary) return null;
  try {
    const v: unknown = JSON.parse(data.toString());
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const o = v as Record<string, unknown>;
    if (o.type === 'nudge') return { type: 'nudge' };
    if ((o.type === 'hello' || o.type === 'bundle') && (typeof o.etag === 'string' || o.etag === null)) {
      return { type: o.type, revision: typeof o.revision === 'string' ? o.revision : null, etag: o.etag };
    }
  } catch {
    // ignore anything that is not a notice
  }
  return null;
}

export class PushClient {
  private ws: WebSocket | null = null;
  /** The pinned key id the open socket named. */
  private keyId: string | null = null;
  private readonly ac = new AbortController();
  private readonly backoff: Backoff;
  connected = false;

  constructor(private readonly opts: PushClientOptions) {
    this.backoff = new Backoff(opts.backoffMinMs, opts.backoffMaxMs);
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.ac.abort();
    this.ws?.terminate();
  }

  /** Opens the socket again when the pinned key changed since it was opened (a rotation): the server picks the bundle copy it pushes by the key the socket named. */
  refreshKey(): void {
    const b = this.opts.bundles;
    if (b && this.ws && b.keyId() !== this.keyId) this.ws.close(1000, 'pinned key changed');
  }

  /** Tells the server the bundle with this ETag was verified and applied (false: no open socket; the check-in reports it). */
  applied(etag: string): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify({ type: 'applied', etag } satisfies PushApplied));
    return true;
  }

  private async loop(): Promise<void> {
    while (!this.ac.signal.aborted) {
      const cred = this.opts.credential();
      if (cred) {
        const err = await this.connectOnce(cred);
        this.opts.onState?.(false, err);
      }
      if (this.ac.signal.aborted) break;
      await sleep(this.backoff.next(), this.ac.signal);
    }
  }

  /** Resolves when the connection ends, with the reason when it failed. */
  private connectOnce(credential: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const b = this.opts.bundles;
      const headers: Record<string, string> = { authorization: `Bearer ${credential}` };
      const keyId = b?.keyId() ?? null;
      this.keyId = keyId;
      if (b) headers[PUSH_BUNDLES_HEADER] = String(b.maxBytes);
      if (b && keyId) headers[PUSH_KEY_HEADER] = keyId;
      const maxPayload = Math.max(64 * 1024, b?.maxBytes ?? 0);
      const ws = new WebSocket(this.opts.url, { headers, maxPayload, handshakeTimeout: 15_000 });
      this.ws = ws;
      let error: string | undefined;
      ws.on('open', () => {
        this.connected = true;
        this.backoff.reset();
        this.opts.onState?.(true);
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary && b) {
          b.onArchive(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
          return;
        }
        const n = parseNotice(data, isBinary);
        if (n) this.opts.onNotice(n);
      });
      ws.on('unexpected-response', (_req, res) => {
        error = `push refused: HTTP ${res.statusCode ?? 0}`;
        ws.terminate();
      });
      ws.on('error', (e: Error & { code?: string }) => {
        const oversized = e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
        error = error ?? (oversized ? `push frame larger than ${maxPayload} bytes refused; reconnecting` : `push connection failed: ${e.message}`);
      });
      ws.on('close', () => {
        this.connected = false;
        this.ws = null;
        resolve(error);
      });
    });
  }
}
