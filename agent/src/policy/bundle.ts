// Loads a policy bundle (tar.gz as built by `warden policy build`, signed by the server): unpack with
// bounds, verify the signature against the pinned key, and check the pieces the agent relies on:
// .manifest, policy.wasm and a ban list in data.json. Anything wrong is a clear PolicyBundleError.
import { createHash } from 'node:crypto';
import { unpackBundle, BundleArchiveError, type BundleFiles } from '../../../wire/src/bundle-archive.ts';
import { verifyBundle, BundleSignatureError, SIGNATURES_FILE } from '../../../wire/src/bundle-signing.ts';
import { BanList, Branding, banListProblems } from '../../../wire/src/banlist.ts';
import { check, validate, ValidationError } from '../../../wire/src/validate.ts';

export const ENTRYPOINT = 'warden/decisions';

export class PolicyBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyBundleError';
  }
}

export interface PolicyBundle {
  wasm: Buffer;
  /** The whole data document (ban list fields at the root, maybe more, e.g. the catalog). */
  data: Record<string, unknown>;
  banList: BanList;
  /** Manifest revision, else the ban list's, else a content hash: what events cite. */
  revision: string;
  signed: boolean;
  /** SHA-256 of the archive bytes. */
  digest: string;
}

export interface BundleTrust {
  /** ed25519 SPKI PEM the bundle must be signed with. */
  publicKeyPem?: string;
  /** Explicit opt-out for local testing of an unsigned compiler output. */
  allowUnsigned?: boolean;
}

// The tsconfig lib has no WebAssembly typings (no DOM); node provides the global.
const wasmApi = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

const BANLIST_KEYS = ['schema', 'name', 'revision', 'mode', 'default_action', 'message', 'alternative', 'rules', 'exceptions', 'branding', 'watch'] as const;

function parseJson(files: BundleFiles, name: string): unknown {
  const bytes = files.get(name);
  if (!bytes) throw new PolicyBundleError(`bundle has no ${name}`);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new PolicyBundleError(`bundle ${name} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function loadPolicyBundle(archive: Buffer, trust: BundleTrust): Promise<PolicyBundle> {
  let files: BundleFiles;
  try {
    files = await unpackBundle(archive);
  } catch (e) {
    if (e instanceof BundleArchiveError) throw new PolicyBundleError(e.message);
    throw e;
  }
  let signed = false;
  if (trust.publicKeyPem) {
    try {
      files = verifyBundle(files, trust.publicKeyPem).files;
      signed = true;
    } catch (e) {
      if (e instanceof BundleSignatureError) throw new PolicyBundleError(`bundle refused: ${e.message}`);
      throw e;
    }
  } else if (!trust.allowUnsigned) {
    throw new PolicyBundleError('no bundle public key configured: refusing to evaluate an unverified bundle (pass a key, or allow unsigned explicitly for testing)');
  } else {
    files.delete(SIGNATURES_FILE);
  }

  const manifest = parseJson(files, '.manifest');
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new PolicyBundleError('bundle .manifest is not an object');
  const wasm = files.get('policy.wasm') ?? files.get('/policy.wasm');
  if (!wasm) throw new PolicyBundleError('bundle has no policy.wasm');
  if (!wasmApi.validate(wasm)) throw new PolicyBundleError('bundle policy.wasm is not a valid WebAssembly module');
  const data = parseJson(files, 'data.json');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new PolicyBundleError('bundle data.json is not an object');
  const record = data as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const k of BANLIST_KEYS) if (k in record) picked[k] = record[k];
  let banList: BanList;
  try {
    banList = validate(BanList, picked, 'ban list in bundle data.json');
  } catch (e) {
    if (e instanceof ValidationError) throw new PolicyBundleError(e.message);
    throw e;
  }
  const problems = banListProblems(banList);
  if (problems.length) throw new PolicyBundleError(`ban list in bundle data.json: ${problems.join('; ')}`);

  const digest = createHash('sha256').update(archive).digest('hex');
  const mrev = (manifest as { revision?: unknown }).revision;
  const revision = typeof mrev === 'string' && mrev !== '' ? mrev : banList.revision ?? `sha256:${digest.slice(0, 16)}`;
  return { wasm, data: record, banList, revision, signed, digest };
}

/** The company branding in a verified bundle's data.json, or null when it has none (or a bad one). */
export function brandingOf(files: BundleFiles): Branding | null {
  try {
    const b = (parseJson(files, 'data.json') as { branding?: unknown }).branding;
    return b !== undefined && check(Branding, b).length === 0 ? (b as Branding) : null;
  } catch {
    return null;
  }
}
