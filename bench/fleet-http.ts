// The load generator's HTTP client for bench/fleet.ts: an undici Pool (keep-alive connections to the
// one server, no pipelining: each connection carries one request at a time, as an agent's own does),
// with each simulated agent's Authorization header and the status bodies built once, instead of the
// agent's axios client (whose per-request config merging, header normalisation and proxy lookup cost
// the generator more CPU per check-in than the server spent answering it, so the bench measured its
// own load generator; node:http with a keep-alive agent was still ~80 µs per check-in). Every request
// is still a real one: the device's own credential, a body the server validates, the answer's status
// checked; a non-2xx/304 answer throws with the server's message.
import type { IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';
import { AGENT_API } from '../agent/src/sync/api-paths.ts';

export interface LeanAnswer {
  status: number;
  etag: string | undefined;
  body: Buffer;
}

export const LEAN_CLIENT = 'undici Pool, keep-alive, no pipelining';

export class LeanHttp {
  private readonly pool: Pool;

  constructor(server: string, connections: number) {
    this.pool = new Pool(server, { connections, pipelining: 1, keepAliveTimeout: 120_000 });
  }

  async request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: Buffer): Promise<LeanAnswer> {
    const r = await this.pool.request({ method, path, headers, ...(body ? { body } : {}) });
    const b = Buffer.from(await r.body.arrayBuffer());
    const status = r.statusCode;
    if ((status >= 200 && status < 300) || status === 304) {
      const etag = (r.headers as IncomingHttpHeaders).etag;
      return { status, etag: typeof etag === 'string' ? etag : undefined, body: b };
    }
    throw new Error(`${method} ${path}: ${status} ${b.toString('utf8').slice(0, 300)}`);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

const statusBodies = new Map<string | null, Buffer>();
/** The check-in body of a simulated agent holding `revision` (the same document the agent's client posts, built once per revision). */
export function statusBody(revision: string | null): Buffer {
  let b = statusBodies.get(revision);
  if (!b) {
    b = Buffer.from(JSON.stringify({ bundle_revision: revision, agent_version: 'bench', errors: [] }));
    statusBodies.set(revision, b);
  }
  return b;
}

/** One simulated agent's requests: its credential's header built once. */
export class LeanAgent {
  private readonly authz: string;

  constructor(
    private readonly http: LeanHttp,
    credential: string,
  ) {
    this.authz = `Bearer ${credential}`;
  }

  async checkIn(revision: string | null): Promise<void> {
    const body = statusBody(revision);
    await this.http.request('POST', AGENT_API.checkIn, { authorization: this.authz, 'content-type': 'application/json' }, body);
  }

  /** The signed bundle unless `etag` is still current (→ null). */
  async fetchBundle(etag: string | null): Promise<{ archive: Buffer; etag: string } | null> {
    const h: Record<string, string> = { authorization: this.authz };
    if (etag) h['if-none-match'] = etag;
    const r = await this.http.request('GET', AGENT_API.bundle, h);
    if (r.status === 304) return null;
    return { archive: r.body, etag: r.etag ?? '' };
  }
}
