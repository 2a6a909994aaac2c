// The last good bundle. A downloaded bundle becomes active only after it verifies against the pinned
// key and comes after the active one: its signed sequence (`metadata.warden.seq` in the manifest,
// wire/src/bundle-order.ts) must be higher, unless the download is byte-identical to the active bundle
// (a re-delivery, accepted as a no-op). A replayed older bundle, or one signed in the same second as
// the active one but earlier in the server's history, is refused. Only then is it written to disk,
// atomically. At start the stored copy is verified again before use, so a bundle edited on disk is
// refused just like one tampered with in transit.
//
// Key rotation: a bundle verified against the pinned key whose manifest names `next_key` makes the
// caller switch its pin (pinned-key.ts) after the bundle is on disk. At start, that stored bundle is
// verified against the key it was signed with (listed as a previous key) only if it names the key
// pinned now; and if the switch did not happen (a crash between the two writes), it is completed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleFiles } from '../../../wire/src/bundle-archive.ts';
import { BundleSignatureError, keyIdOf, openSignedBundle, type VerifiedBundle } from '../../../wire/src/bundle-signing.ts';
import { BundleOrderError, bundleOrder } from '../../../wire/src/bundle-order.ts';
import type { PinnedKey } from './pinned-key.ts';
import { readJsonFile, writeFileAtomic } from './state-files.ts';

export interface ActiveBundle {
  revision: string;
  etag: string;
  /** Signature time (seconds since epoch). */
  iat: number;
  /** The signed sequence (0 for a bundle of a server release without sequences). */
  seq: number;
  /** The key this bundle verified against (the policy loader checks it again with the same key). */
  keyPem: string;
  files: BundleFiles;
  archive: Buffer;
}

export interface Accepted {
  bundle: ActiveBundle;
  /** False for a byte-identical re-delivery of the active bundle. */
  changed: boolean;
  /** A key the bundle's signed manifest names to pin next (differs from the pinned one), else null. */
  nextKey: string | null;
}

export class BundleRollbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleRollbackError';
  }
}

function manifestRevision(files: BundleFiles): string {
  const m = files.get('.manifest');
  if (!m) return '';
  try {
    const v = JSON.parse(m.toString('utf8')) as { revision?: unknown };
    return typeof v.revision === 'string' ? v.revision : '';
  } catch {
    return '';
  }
}

export class BundleCache {
  private active: ActiveBundle | null = null;
  private readonly archivePath: string;
  private readonly metaPath: string;

  constructor(
    dir: string,
    /** The pin as it is now (it may change between calls, by a rotation). */
    private readonly pin: () => PinnedKey,
  ) {
    this.archivePath = join(dir, 'bundle.tar.gz');
    this.metaPath = join(dir, 'bundle.json');
  }

  current(): ActiveBundle | null {
    return this.active;
  }

  private activate(v: VerifiedBundle, archive: Buffer, etag: string, keyPem: string, seq: number): ActiveBundle {
    this.active = { revision: manifestRevision(v.files), etag, iat: v.signature.iat, seq, keyPem, files: v.files, archive };
    return this.active;
  }

  /**
   * Loads and re-verifies the stored bundle; returns null when none is stored, throws when it is bad.
   * `nextKey` is set when the stored bundle names a key the pin has not switched to yet.
   */
  async loadLastGood(): Promise<{ bundle: ActiveBundle; nextKey: string | null } | null> {
    if (!existsSync(this.archivePath)) return null;
    const archive = readFileSync(this.archivePath);
    const meta = (readJsonFile(this.metaPath) ?? {}) as { etag?: unknown };
    const etag = typeof meta.etag === 'string' ? meta.etag : '';
    const pin = this.pin();
    try {
      const v = await openSignedBundle(archive, pin.public_key);
      const order = bundleOrder(v.files);
      const bundle = this.activate(v, archive, etag, pin.public_key, order.seq);
      return { bundle, nextKey: order.nextKey && keyIdOf(order.nextKey) !== pin.key_id ? order.nextKey : null };
    } catch (e) {
      if (!(e instanceof BundleSignatureError && e.problem === 'wrong_key')) throw e;
      // The bundle that rotated the pin is signed by the key pinned before, and names the one pinned now.
      for (const prev of [...pin.previous].reverse()) {
        let v: VerifiedBundle;
        try {
          v = await openSignedBundle(archive, prev.public_key);
        } catch {
          continue;
        }
        const order = bundleOrder(v.files);
        if (order.nextKey && keyIdOf(order.nextKey) === pin.key_id) return { bundle: this.activate(v, archive, etag, prev.public_key, order.seq), nextKey: null };
      }
      throw e;
    }
  }

  /**
   * Verifies a downloaded archive and makes it the active bundle. Throws BundleSignatureError (not
   * signed by the pinned key, tampered, truncated), BundleOrderError (malformed seq/next_key) or
   * BundleRollbackError (not after the active one); the previous bundle stays.
   */
  async accept(archive: Buffer, etag: string): Promise<Accepted> {
    const pin = this.pin();
    const v = await openSignedBundle(archive, pin.public_key);
    const order = bundleOrder(v.files);
    const a = this.active;
    if (a && archive.equals(a.archive)) {
      if (etag && etag !== a.etag) {
        writeFileAtomic(this.metaPath, JSON.stringify({ etag, iat: a.iat, seq: a.seq }), 0o600);
        a.etag = etag;
      }
      return { bundle: a, changed: false, nextKey: null };
    }
    if (a) {
      if (order.seq === 0 && a.seq === 0) {
        // Both from a server release without sequences: the signature time is all there is.
        if (v.signature.iat < a.iat) {
          throw new BundleRollbackError(`bundle signed at ${new Date(v.signature.iat * 1000).toISOString()} is older than the active one (${new Date(a.iat * 1000).toISOString()}); refusing a rollback`);
        }
      } else if (order.seq <= a.seq) {
        throw new BundleRollbackError(`bundle sequence ${order.seq} is not after the active bundle's ${a.seq} (and it is not the same bundle); refusing a rollback`);
      }
    }
    writeFileAtomic(this.archivePath, archive, 0o600);
    writeFileAtomic(this.metaPath, JSON.stringify({ etag, iat: v.signature.iat, seq: order.seq }), 0o600);
    const bundle = this.activate(v, archive, etag, pin.public_key, order.seq);
    return { bundle, changed: true, nextKey: order.nextKey && keyIdOf(order.nextKey) !== pin.key_id ? order.nextKey : null };
  }
}

export { BundleSignatureError, BundleOrderError };
