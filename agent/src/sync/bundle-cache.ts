// The last good bundle. A downloaded bundle becomes active only after it verifies against the pinned
// key and is not older than the active one (a replayed old bundle could lift a ban); only then is it
// written to disk, atomically. At start the stored copy is verified again before use, so a bundle
// edited on disk is refused just like one tampered with in transit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleFiles } from '../../../wire/src/bundle-archive.ts';
import { BundleSignatureError, openSignedBundle } from '../../../wire/src/bundle-signing.ts';
import { readJsonFile, writeFileAtomic } from './state-files.ts';

export interface ActiveBundle {
  revision: string;
  etag: string;
  /** Signature time (seconds since epoch). */
  iat: number;
  files: BundleFiles;
  archive: Buffer;
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
    private readonly publicKeyPem: string,
  ) {
    this.archivePath = join(dir, 'bundle.tar.gz');
    this.metaPath = join(dir, 'bundle.json');
  }

  current(): ActiveBundle | null {
    return this.active;
  }

  /** Loads and re-verifies the stored bundle; returns null when none is stored, throws when it is bad. */
  async loadLastGood(): Promise<ActiveBundle | null> {
    if (!existsSync(this.archivePath)) return null;
    const archive = readFileSync(this.archivePath);
    const meta = (readJsonFile(this.metaPath) ?? {}) as { etag?: unknown };
    const v = await openSignedBundle(archive, this.publicKeyPem);
    this.active = {
      revision: manifestRevision(v.files),
      etag: typeof meta.etag === 'string' ? meta.etag : '',
      iat: v.signature.iat,
      files: v.files,
      archive,
    };
    return this.active;
  }

  /**
   * Verifies a downloaded archive and makes it the active bundle. Throws BundleSignatureError (not
   * signed by the pinned key, tampered, truncated) or BundleRollbackError; the previous bundle stays.
   */
  async accept(archive: Buffer, etag: string): Promise<ActiveBundle> {
    const v = await openSignedBundle(archive, this.publicKeyPem);
    if (this.active && v.signature.iat < this.active.iat) {
      throw new BundleRollbackError(
        `bundle signed at ${new Date(v.signature.iat * 1000).toISOString()} is older than the active one ` +
          `(${new Date(this.active.iat * 1000).toISOString()}); refusing a rollback`,
      );
    }
    writeFileAtomic(this.archivePath, archive, 0o600);
    writeFileAtomic(this.metaPath, JSON.stringify({ etag, iat: v.signature.iat }), 0o600);
    this.active = { revision: manifestRevision(v.files), etag, iat: v.signature.iat, files: v.files, archive };
    return this.active;
  }
}

export { BundleSignatureError };
