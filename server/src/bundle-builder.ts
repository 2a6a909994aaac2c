// Builds, signs, stores and announces the fleet's policy bundle.
//
// publish(): the ban list changed → compile the policy with this data (compiler API, injected so the
// server's tests can pin a policy) → sign every file (wire/src/bundle-signing.ts) → store the signed
// tar.gz in the database → NOTIFY. Every server node LISTENs on the same channel and loads the new
// bundle from the database, so an agent connected to any node learns of a ban made on any other
// (PostgreSQL LISTEN/NOTIFY; in-process for the embedded SQLite). The archive is stored, not rebuilt
// per node, so every node serves byte-identical bundles with one ETag.
//
// Order and key rotation (wire/src/bundle-order.ts): the row's database sequence is allocated before
// signing, inside the transaction that stores the bundle, and the signed manifest carries 2 × it as
// `metadata.warden.seq` (monotonic across restarts and nodes, on SQLite and PostgreSQL alike). During
// a key rotation the same bundle is also signed by the previous key with seq 2 × it − 1 and
// `next_key` naming the current key: an agent still pinning the previous key gets that copy, switches
// its pin, and then accepts the current key's copy, whose seq is one higher.
import { EventEmitter } from 'node:events';
import { packBundle, type BundleFiles } from '../../wire/src/bundle-archive.ts';
import { signBundle, type SigningKey, type SigningKeys } from '../../wire/src/bundle-signing.ts';
import { withOrder } from '../../wire/src/bundle-order.ts';
import { bundleEtag } from '../../wire/src/bundle-etag.ts';
import type { SqlDriver } from './store/sql-driver.ts';

export interface BundleVariant {
  /** Id of the key that signed this copy. */
  keyId: string;
  etag: string;
  archive: Buffer;
}

export interface SignedBundle {
  /** Monotonic per database: orders bundles across nodes (the signed manifest carries 2 × seq). */
  seq: number;
  /** Id of the key that signed `archive`. */
  keyId: string;
  /** During a key rotation: the copy signed by the previous key that names the current one. */
  bridge: BundleVariant | null;
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
  archive_b64 TEXT NOT NULL, key_id TEXT, bridge_key_id TEXT, bridge_etag TEXT, bridge_archive_b64 TEXT);`;
/** Columns added after the first release (tables made by it get them at start). */
const ADDED_COLUMNS = ['key_id', 'bridge_key_id', 'bridge_etag', 'bridge_archive_b64'];

interface BundleRow {
  seq: number;
  revision: string;
  etag: string;
  iat: number;
  created_at: number;
  archive_b64: string;
  key_id: string | null;
  bridge_key_id: string | null;
  bridge_etag: string | null;
  bridge_archive_b64: string | null;
}

const fromRow = (r: BundleRow): SignedBundle => ({
  seq: Number(r.seq),
  revision: r.revision,
  etag: r.etag,
  iat: Number(r.iat),
  createdAt: Number(r.created_at),
  archive: Buffer.from(r.archive_b64, 'base64'),
  keyId: r.key_id ?? '',
  bridge: r.bridge_key_id && r.bridge_etag && r.bridge_archive_b64 ? { keyId: r.bridge_key_id, etag: r.bridge_etag, archive: Buffer.from(r.bridge_archive_b64, 'base64') } : null,
});

/** The copy of `b` an agent pinning `keyId` can verify (the bridge during a rotation), else the current one. */
export function variantFor(b: SignedBundle, keyId: string | undefined): BundleVariant {
  if (keyId && b.bridge && keyId === b.bridge.keyId && keyId !== b.keyId) return b.bridge;
  return { keyId: b.keyId, etag: b.etag, archive: b.archive };
}

const etagOf = bundleEtag;

export class BundleService extends EventEmitter<{ bundle: [SignedBundle] }> {
  private cur: SignedBundle | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  private readonly key: SigningKey;
  private readonly previous: SigningKey | null;

  constructor(
    private readonly driver: SqlDriver,
    keys: SigningKey | SigningKeys,
    private readonly compile: CompileBundle,
  ) {
    super();
    this.setMaxListeners(0);
    this.key = 'current' in keys ? keys.current : keys;
    this.previous = 'current' in keys ? keys.previous : null;
  }

  get publicKeyPem(): string {
    return this.key.publicKeyPem;
  }

  /** The keys challenges are signed with: current first, then the previous one during a rotation. */
  get signingKeys(): SigningKey[] {
    return this.previous ? [this.key, this.previous] : [this.key];
  }

  /** False when the stored bundle was signed with other keys than this node's (a rotation happened). */
  signedWithCurrentKeys(): boolean {
    const c = this.cur;
    return !!c && c.keyId === this.key.keyId && (c.bridge?.keyId ?? null) === (this.previous?.keyId ?? null);
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
    for (const col of ADDED_COLUMNS) {
      await this.driver.exec(`ALTER TABLE signed_bundles ADD COLUMN ${col} TEXT`).catch((e: unknown) => {
        // already there (this release made the table, or another node added it first)
        if (!/duplicate column|already exists/i.test(String((e as Error)?.message ?? e))) throw e;
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
    const row = await this.driver.get<BundleRow>("SELECT * FROM signed_bundles WHERE archive_b64 <> '' ORDER BY seq DESC LIMIT 1");
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
    const unsigned = await this.compileChecked(req);
    packBundle(signBundle(withOrder(unsigned, { seq: 1, nextKey: null }), this.key, { iat: Math.floor(Date.now() / 1000), issuer: 'warden-server' }));
  }

  private async compileChecked(req: BundleRequest): Promise<BundleFiles> {
    // The revision is the ban list's own (what agents report and reports compare against); the ETag,
    // a hash of the signed archive, is what tells two different bundles apart.
    const unsigned = await this.compile({ ...req, revision: req.source });
    for (const need of ['.manifest', 'policy.wasm', 'data.json']) {
      if (!unsigned.has(need)) throw new Error(`compiled bundle lacks ${need}`);
    }
    return unsigned;
  }

  private async build(req: BundleRequest): Promise<SignedBundle> {
    // signature times never go backwards either (what agents of earlier releases order by)
    const iat = Math.max(Math.floor(Date.now() / 1000), this.cur?.iat ?? 0);
    const revision = req.source;
    const unsigned = await this.compileChecked(req);
    const createdAt = Date.now();
    const sign = (key: SigningKey, seq: number, nextKey: string | null): Buffer => packBundle(signBundle(withOrder(unsigned, { seq, nextKey }), key, { iat, issuer: 'warden-server' }));
    const built = await this.driver.transaction(async (tx) => {
      // The sequence comes from the database before signing, so it is inside the signature; the row
      // becomes visible to other nodes only with the archive, at commit.
      const row = await tx.get<{ seq: number }>(
        "INSERT INTO signed_bundles (revision, etag, iat, created_at, archive_b64, key_id) VALUES (?, '', ?, ?, '', ?) RETURNING seq",
        [revision, iat, createdAt, this.key.keyId],
      );
      const s = Number(row?.seq ?? 0);
      if (!Number.isSafeInteger(s) || s < 1) throw new Error('the database returned no bundle sequence');
      const archive = sign(this.key, 2 * s, null);
      const bridge: BundleVariant | null = this.previous ? (() => {
        const a = sign(this.previous as SigningKey, 2 * s - 1, this.key.publicKeyPem);
        return { keyId: (this.previous as SigningKey).keyId, etag: etagOf(a), archive: a };
      })() : null;
      await tx.run('UPDATE signed_bundles SET etag = ?, archive_b64 = ?, bridge_key_id = ?, bridge_etag = ?, bridge_archive_b64 = ? WHERE seq = ?', [
        etagOf(archive),
        archive.toString('base64'),
        bridge?.keyId ?? null,
        bridge?.etag ?? null,
        bridge?.archive.toString('base64') ?? null,
        s,
      ]);
      await tx.run('DELETE FROM signed_bundles WHERE seq <= ?', [s - KEEP_BUNDLES]);
      return { seq: s, archive, bridge };
    });
    const bundle: SignedBundle = { seq: built.seq, revision, etag: etagOf(built.archive), archive: built.archive, iat, createdAt, keyId: this.key.keyId, bridge: built.bridge };
    this.adopt(bundle);
    await this.driver.notify(BUNDLE_CHANNEL, String(built.seq));
    return bundle;
  }

  /** Resolves with the next bundle whose ETag differs from `etag`, or null after `timeoutMs`. */
  waitForChange(etag: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<SignedBundle | null> {
    const cur = this.cur;
    const differs = (b: SignedBundle): boolean => b.etag !== etag && (b.bridge === null || b.bridge.etag !== etag);
    if (cur && differs(cur)) return Promise.resolve(cur);
    return new Promise((resolve) => {
      const done = (b: SignedBundle | null): void => {
        clearTimeout(timer);
        this.off('bundle', onBundle);
        signal?.removeEventListener('abort', onAbort);
        resolve(b);
      };
      const onBundle = (b: SignedBundle): void => {
        if (differs(b)) done(b);
      };
      const onAbort = (): void => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      this.on('bundle', onBundle);
      signal?.addEventListener('abort', onAbort);
    });
  }
}
