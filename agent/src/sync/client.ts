// HTTP client for the agent's one configured server (axios). Relative paths only, absolute URLs and
// redirects refused: the agent cannot be steered to another host. Every call returns the parsed
// answer or throws a ServerError that says whether retrying can help.
import type { ClientRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { AGENT_API, pushUrl } from './api-paths.ts';
import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { ENROLL_CHALLENGE_PATH, ENROLL_SEALED_PATH, EnrollSealError, checkChallenge, newEnrollNonce, openReply, sealRequest } from '../../../wire/src/enroll-seal.ts';

export class ServerError extends Error {
  constructor(
    message: string,
    /** HTTP status, 0 when the server could not be reached. */
    readonly status: number,
    /** True for network errors, timeouts, 5xx and 429: try again later. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

export interface EnrollRequest {
  enroll_secret: string;
  hardware_id: string;
  hostname: string;
  platform: string;
  agent_version: string;
}

export interface EnrollAnswer {
  device_id: string;
  credential: string;
}

export interface SealedEnrollAnswer extends EnrollAnswer {
  /** The bundle key the server proved (the pinned one, or with nothing pinned the one it offered). */
  provenKeyPem: string;
}

export interface CheckInAnswer {
  /** What the server would serve now: lets the agent skip a bundle request when nothing changed. */
  bundle_revision: string | null;
  bundle_etag: string | null;
}

export interface BundleDownload {
  archive: Buffer;
  etag: string;
  revision: string;
}


function describe(res: AxiosResponse): string {
  const d = res.data as unknown;
  if (d && typeof d === 'object' && !Buffer.isBuffer(d) && typeof (d as { message?: unknown }).message === 'string') {
    return (d as { message: string }).message;
  }
  if (Buffer.isBuffer(d)) {
    try {
      const j = JSON.parse(d.toString('utf8')) as { message?: unknown };
      if (typeof j.message === 'string') return j.message;
    } catch {
      // not JSON
    }
  }
  return res.statusText || 'error';
}

/** Each pooled socket that turns out closed costs one attempt; a fresh connection's failure ends it. */
const MAX_STALE_RETRIES = 3;

/**
 * A reset of a keep-alive socket the pool reused: the server or a load balancer closed it while idle,
 * just as the request went out (a server restart closes idle connections; so does a proxy's idle
 * timeout that sends no Keep-Alive hint). Such a request met a closed connection, so sending it again
 * on another one is what HTTP clients do for requests that are safe to repeat. A reset of a fresh
 * connection says the server is gone or refuses: that is reported.
 */
function staleSocket(e: AxiosError): boolean {
  const req = e.request as ClientRequest | undefined;
  return (e.code === 'ECONNRESET' || e.code === 'EPIPE') && req?.reusedSocket === true;
}

export class AgentClient {
  private readonly http: AxiosInstance;
  credential: string | null = null;
  /** Id of the pinned bundle key, sent with bundle requests (a server mid-rotation picks the copy it verifies). */
  pinnedKeyId: string | null = null;

  constructor(
    readonly server: string,
    timeoutMs: number,
    /** Connection pool to share (bench: thousands of simulated agents in one process). */
    pool?: { httpAgent?: unknown; httpsAgent?: unknown },
  ) {
    this.http = axios.create({
      ...(pool ?? {}),
      baseURL: server.replace(/\/+$/, ''),
      timeout: timeoutMs,
      maxRedirects: 0,
      allowAbsoluteUrls: false,
      validateStatus: () => true,
      headers: { 'user-agent': 'warden-agent' },
      maxContentLength: 64 * 1024 * 1024,
    });
  }

  private auth(): Record<string, string> {
    if (!this.credential) throw new ServerError('the agent is not enrolled', 401, false);
    return { authorization: `Bearer ${this.credential}` };
  }

  /**
   * One request. `idempotent`: sending it twice does what sending it once does (reads, the check-in
   * status, event batches deduplicated by batch_id, the stateless enroll challenge), so a reset of a
   * reused keep-alive socket is retried (see staleSocket). Enrollment, inventory uploads and exception
   * requests are not: their reset is reported and the cycle's own retry decides.
   */
  private async call(method: 'get' | 'post', path: string, opts: { body?: unknown; headers?: Record<string, string>; binary?: boolean; idempotent?: boolean } = {}): Promise<AxiosResponse> {
    let data: unknown = opts.body;
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) {
      const json = Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] = 'application/json';
      // Big uploads (event batches, full inventories) go gzipped, as OPA's decision logs do.
      if (json.length > 16 * 1024) {
        data = gzipSync(json);
        headers['content-encoding'] = 'gzip';
      } else data = json;
    }
    let res: AxiosResponse;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await this.http.request({ method, url: path, data, headers, responseType: opts.binary ? 'arraybuffer' : 'json' });
        break;
      } catch (e) {
        const ae = e as AxiosError;
        if (opts.idempotent && attempt < MAX_STALE_RETRIES && staleSocket(ae)) continue;
        throw new ServerError(`cannot reach ${this.server}: ${ae.code ?? ''} ${ae.message}`.trim(), 0, true);
      }
    }
    if (res.status >= 200 && res.status < 300) return res;
    if (res.status === 304) return res;
    const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    throw new ServerError(`${method.toUpperCase()} ${path}: ${res.status} ${describe(res)}`, res.status, retryable);
  }

  async enroll(req: EnrollRequest): Promise<EnrollAnswer> {
    const res = await this.call('post', AGENT_API.enroll, { body: req });
    const d = res.data as Partial<EnrollAnswer> | null;
    if (!d || typeof d.device_id !== 'string' || typeof d.credential !== 'string') {
      throw new ServerError('enrollment answer lacks device_id/credential', res.status, false);
    }
    return { device_id: d.device_id, credential: d.credential };
  }

  /**
   * Enrolls with a server that first proves `pinnedPem` (or, with nothing pinned, the key it offers):
   * the request, enroll secret included, is sealed to a key that server signed, and the answer must
   * be sealed back (wire/src/enroll-seal.ts). Throws EnrollSealError when the server cannot prove it;
   * then nothing secret was sent.
   */
  async enrollSealed(req: EnrollRequest, pinnedPem: string | null): Promise<SealedEnrollAnswer> {
    const nonce = newEnrollNonce();
    const challenge = await this.call('post', ENROLL_CHALLENGE_PATH, { body: { nonce }, idempotent: true });
    const { sealKey, provenKeyPem } = checkChallenge(challenge.data, nonce, pinnedPem);
    const { message, key } = sealRequest(sealKey, nonce, { ...req });
    const res = await this.call('post', ENROLL_SEALED_PATH, { body: message });
    const d = openReply(key, nonce, res.data) as Partial<EnrollAnswer> | null;
    if (!d || typeof d.device_id !== 'string' || typeof d.credential !== 'string') throw new EnrollSealError('the sealed enrollment answer lacks device_id/credential');
    return { device_id: d.device_id, credential: d.credential, provenKeyPem };
  }

  async bundlePublicKey(): Promise<string> {
    const res = await this.call('get', AGENT_API.bundleKey, { headers: this.auth(), binary: true, idempotent: true });
    return Buffer.from(res.data as ArrayBuffer).toString('utf8');
  }

  async checkIn(status: Record<string, unknown>): Promise<CheckInAnswer> {
    const res = await this.call('post', AGENT_API.checkIn, { body: status, headers: this.auth(), idempotent: true });
    const d = (res.data ?? {}) as Record<string, unknown>;
    return {
      bundle_revision: typeof d.bundle_revision === 'string' ? d.bundle_revision : null,
      bundle_etag: typeof d.bundle_etag === 'string' ? d.bundle_etag : null,
    };
  }

  /** The signed group memberships of this device and the given OS accounts (verified by the caller). */
  async memberships(body: { nonce: string; users: string[] }): Promise<unknown> {
    return (await this.call('post', AGENT_API.memberships, { body, headers: this.auth(), idempotent: true })).data as unknown;
  }

  /** Forwards an employee's exception request; the answer is validated by the caller (exception-desk.ts). */
  async requestException(body: { tool: string; reason: string; local_user: string; duration_days: number }): Promise<unknown> {
    return (await this.call('post', AGENT_API.exceptions, { body, headers: this.auth() })).data as unknown;
  }

  /** This device's exception requests and their state (validated by the caller). */
  async listExceptions(): Promise<unknown> {
    return (await this.call('get', AGENT_API.exceptions, { headers: this.auth(), idempotent: true })).data as unknown;
  }

  async uploadInventory(body: unknown): Promise<void> {
    await this.call('post', AGENT_API.inventory, { body, headers: this.auth() });
  }

  async uploadEvents(body: unknown): Promise<void> {
    await this.call('post', AGENT_API.events, { body, headers: this.auth(), idempotent: true });
  }

  /** Downloads the bundle unless `etag` is still current (→ null). */
  async fetchBundle(etag: string | null): Promise<BundleDownload | null> {
    const headers = this.auth();
    if (etag) headers['if-none-match'] = etag;
    if (this.pinnedKeyId) headers['x-warden-bundle-key'] = this.pinnedKeyId;
    const res = await this.call('get', AGENT_API.bundle, { headers, binary: true, idempotent: true });
    if (res.status === 304) return null;
    return {
      archive: Buffer.from(res.data as ArrayBuffer),
      etag: String(res.headers.etag ?? ''),
      revision: String(res.headers['x-warden-bundle-revision'] ?? ''),
    };
  }

  /** WebSocket URL for push on the same server. */
  pushUrl(): string {
    return pushUrl(this.server);
  }
}

export { AGENT_API };
