// What a signed bundle says about its place in the fleet's history, in its `.manifest` (covered by the
// signature like every file): `metadata.warden.seq`, a sequence the server assigns from its database
// (monotonic across restarts and nodes), and during a key rotation `metadata.warden.next_key`, the
// public key that signs the bundles after this one. An agent refuses a bundle whose seq is not above
// the active one's (unless it is byte-identical), and changes its pinned key only on a `next_key`
// inside a bundle the pinned key signed.
import { createPublicKey } from 'node:crypto';
import type { BundleFiles } from './bundle-archive.ts';

export interface BundleOrder {
  /** 0 when the bundle carries none (built before sequences existed). */
  seq: number;
  /** SPKI PEM of the key to pin next, or null. */
  nextKey: string | null;
}

export class BundleOrderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleOrderError';
  }
}

type Manifest = Record<string, unknown> & { metadata?: Record<string, unknown> };

function parseManifest(files: BundleFiles): Manifest {
  const m = files.get('.manifest');
  if (!m) throw new BundleOrderError('bundle has no .manifest');
  let v: unknown;
  try {
    v = JSON.parse(m.toString('utf8'));
  } catch (e) {
    throw new BundleOrderError(`bundle .manifest is not valid JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BundleOrderError('bundle .manifest is not an object');
  return v as Manifest;
}

/** Reads seq and next_key from a (verified) bundle; a malformed value is an error, never ignored. */
export function bundleOrder(files: BundleFiles): BundleOrder {
  const w = parseManifest(files).metadata?.warden as Record<string, unknown> | undefined;
  if (w === undefined) return { seq: 0, nextKey: null };
  if (!w || typeof w !== 'object' || Array.isArray(w)) throw new BundleOrderError('bundle .manifest metadata.warden is not an object');
  const seq = w.seq;
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) throw new BundleOrderError('bundle .manifest metadata.warden.seq is not a positive integer');
  let nextKey: string | null = null;
  if (w.next_key !== undefined) {
    if (typeof w.next_key !== 'string') throw new BundleOrderError('bundle .manifest metadata.warden.next_key is not a PEM string');
    try {
      if (createPublicKey(w.next_key).asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    } catch (e) {
      throw new BundleOrderError(`bundle .manifest metadata.warden.next_key is not an ed25519 public key: ${(e as Error).message}`);
    }
    nextKey = w.next_key;
  }
  return { seq: seq as number, nextKey };
}

/** Server: a copy of the unsigned files whose manifest carries `seq` (and `next_key`). */
export function withOrder(files: BundleFiles, order: BundleOrder): BundleFiles {
  const m = parseManifest(files);
  const warden: Record<string, unknown> = { seq: order.seq, ...(order.nextKey ? { next_key: order.nextKey } : {}) };
  const out: BundleFiles = new Map(files);
  out.set('.manifest', Buffer.from(JSON.stringify({ ...m, metadata: { ...(m.metadata ?? {}), warden } })));
  return out;
}
