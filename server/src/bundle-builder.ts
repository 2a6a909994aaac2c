// Builds, signs, stores and announces the fleet's policy bundle.
//
// publish(): the ban list changed → compile the policy with this data (compiler API, injected so the
// server's tests can pin a policy) → sign every file (wire/src/bundle-signing.ts) → store the signed
// tar.gz in the database → NOTIFY. Every server node LISTENs on the same channel and loads the new
// bundle from the database, so an agent connected to any node learns of a ban made on any other
// (PostgreSQL LISTEN/NOTIFY; in-process for the embedded SQLite). The archive is stored, not rebuilt
// per node, so every node serves byte-identical bundles with one ETag.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { packBundle, type BundleFiles } from '../../wire/src/bundle-archive.ts';
import { signBundle, type SigningKey } from '../../wire/src/bundle-signing.ts';
import type { SqlDriver } from './store/sql-driver.ts';

export interface SignedBundle {
  /** Monotonic per database: orders bundles across nodes. */
  seq: number;
  revision: string;
  /** Quoted strong ETag (sha-256 of the archive). */
  etag: string;
  archive: Buffer;
  /** Signature time (seconds), what the agent uses to refuse replayed older bundles. */
  iat: number;
  createdAt: number;
}

export interface BundleRequest {
  /** Source revision (the ban list snapshot's revision); becomes the bundle revision. */
  source: string;
  /** data.json of the bundle (the ban list document, plus whatever the policy reads under data). */
  data: Record<string, unknown>;
}

/** Compiles the policy with `data` into an unsigned bundle (.manifest, policy.wasm, data.json). */
export type CompileBundle = (req: BundleRequest & { revision: string }) => Promise<BundleFiles>;

export const BUNDLE_CHANNEL = 'warden_bundle';
const KEEP_BUNDLES = 20;

const TABLE_SQL = (serial: string): string => `
CREATE TABLE IF NOT EXISTS signed_bundles (
  seq ${serial}, revision TEXT NOT NULL, etag TEXT NOT NULL, iat BIGINT NOT NULL, created_at BIGINT NOT NULL,
  archive_b64 TEXT NOT NULL);`;

interface BundleRow {
  seq: number;
  revision: string;
  etag: string;
  iat: number;
  created_at: number;
  archive_b64: string;
}

const fromRow = (r: BundleRow): SignedBundle => ({
  seq: Number(r.seq),
  revision: r.revision,
  etag: r.etag,
  iat: Number(r.iat),
  createdAt: Number(r.created_at),
  archive: Buffer.from(r.archive_b64, 'base64'),
});

export class BundleService extends EventEmitter<{ bundle: [SignedBundle] }> {
  private cur: SignedBundle | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly driver: SqlDriver,
    private readonly key: SigningKey,
    private readonly compile: CompileBundle,
  ) {
    super();
    this.setMaxListeners(0);
  }

  get publicKeyPem(): string {
    return this.key.publicKeyPem;
  }

  async start(): Promise<void> {
    const serial = this.driver.dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY';
    try {
      await this.driver.exec(TABLE_SQL(serial));
    } catch (e) {
      // Two nodes starting at once on PostgreSQL can race on CREATE TABLE IF NOT EXISTS (a unique
      // violation on the catalog); the loser only has to see the winner's table.
      await this.driver.get('SELECT seq FROM signed_bundles LIMIT 1').catch(() => {
        throw e;
      });
    }
    await this.loadLatest();
    this.unlisten = await this.driver.listen(BUNDLE_CHANNEL, () => {
      void this.loadLatest().catch(() => undefined);
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
  }

  current(): SignedBundle | null {
    return this.cur;
  }

  private async loadLatest(): Promise<void> {
    const row = await this.driver.get<BundleRow>('SELECT * FROM signed_bundles ORDER BY seq DESC LIMIT 1');
    if (row) this.adopt(fromRow(row));
  }

  private adopt(b: SignedBundle): void {
    if (this.cur && this.cur.seq >= b.seq) return;
    this.cur = b;
    this.emit('bundle', b);
  }

  /**
   * Compiles, signs, stores and announces a bundle for `req`. Publishes run one at a time per node so
   * two quick ban edits cannot land out of order.
   */
  publish(req: BundleRequest): Promise<SignedBundle> {
    const run = this.chain.then(() => this.build(req));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Compiles and signs a bundle for `req` without storing or announcing it: what a ban change is
   * checked with before it is stored, so a list that cannot become a bundle is refused up front.
   */
  async check(req: BundleRequest): Promise<void> {
    await this.assemble(req, Math.floor(Date.now() / 1000));
  }

  private async assemble(req: BundleRequest, iat: number): Promise<{ revision: string; archive: Buffer; etag: string }> {
    // The revision is the ban list's own (what agents report and reports compare against); the ETag,
    // a hash of the signed archive, is what tells two different bundles apart.
    const revision = req.source;
    const unsigned = await this.compile({ ...req, revision });
    for (const need of ['.manifest', 'policy.wasm', 'data.json']) {
      if (!unsigned.has(need)) throw new Error(`compiled bundle lacks ${need}`);
    }
    const archive = packBundle(signBundle(unsigned, this.key, { iat, issuer: 'warden-server' }));
    const etag = `"${createHash('sha256').update(archive).digest('hex').slice(0, 40)}"`;
    return { revision, archive, etag };
  }

  private async build(req: BundleRequest): Promise<SignedBundle> {
    // Agents refuse a bundle signed earlier than the one they run (replay of an old, laxer bundle), so
    // signature times must never go backwards, not even across nodes whose clocks disagree a little.
    const iat = Math.max(Math.floor(Date.now() / 1000), this.cur?.iat ?? 0);
    const { revision, archive, etag } = await this.assemble(req, iat);
    const createdAt = Date.now();
    const seq = await this.driver.transaction(async (tx) => {
      const row = await tx.get<{ seq: number }>(
        'INSERT INTO signed_bundles (revision, etag, iat, created_at, archive_b64) VALUES (?, ?, ?, ?, ?) RETURNING seq',
        [revision, etag, iat, createdAt, archive.toString('base64')],
      );
      const s = Number(row?.seq ?? 0);
      await tx.run('DELETE FROM signed_bundles WHERE seq <= ?', [s - KEEP_BUNDLES]);
      return s;
    });
    const bundle: SignedBundle = { seq, revision, etag, archive, iat, createdAt };
    this.adopt(bundle);
    await this.driver.notify(BUNDLE_CHANNEL, String(seq));
    return bundle;
  }

  /** Resolves with the next bundle whose ETag differs from `etag`, or null after `timeoutMs`. */
  waitForChange(etag: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<SignedBundle | null> {
    const cur = this.cur;
    if (cur && cur.etag !== etag) return Promise.resolve(cur);
    return new Promise((resolve) => {
      const done = (b: SignedBundle | null): void => {
        clearTimeout(timer);
        this.off('bundle', onBundle);
        signal?.removeEventListener('abort', onAbort);
        resolve(b);
      };
      const onBundle = (b: SignedBundle): void => {
        if (b.etag !== etag) done(b);
      };
      const onAbort = (): void => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      this.on('bundle', onBundle);
      signal?.addEventListener('abort', onAbort);
    });
  }
}
