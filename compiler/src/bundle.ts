// OPA bundle writer/reader for compiled policies: a deterministic tar.gz with `/.manifest`
// (revision, roots, wasm resolvers), `/policy.wasm` and `/data.json`. Packing and the bounded,
// hostile-input-safe unpacking are shared with the server and agent (wire/src/bundle-archive.ts);
// this module adds the bundle's structure and its validation.
import { createHash } from 'node:crypto';
import { packBundle, unpackBundle, type BundleFiles } from '../../wire/src/bundle-archive.ts';
import { BundleManifest } from '../../wire/src/bundle.ts';
import { validate } from '../../wire/src/validate.ts';

export const MANIFEST_FILE = '.manifest';
export const WASM_FILE = 'policy.wasm';
export const DATA_FILE = 'data.json';

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

export interface PolicyBundleContents {
  manifest: BundleManifest;
  /** The module of the manifest's wasm resolvers. */
  wasm: Uint8Array;
  /** Parsed data.json (an object; {} when the bundle has none). */
  data: Record<string, unknown>;
}

export interface WriteBundleOptions {
  wasm: Uint8Array;
  entrypoints: string[];
  data?: Record<string, unknown>;
  /** Defaults to a content hash of the module and data, so equal inputs give equal bundles. */
  revision?: string;
  roots?: string[];
}

/** Builds the bundle's tar.gz. The manifest is validated before anything is written. */
export function writeBundle(opts: WriteBundleOptions): Buffer {
  if (opts.entrypoints.length === 0) throw new BundleError('a WASM bundle needs at least one entrypoint');
  const dataText = JSON.stringify(opts.data ?? {});
  const revision = opts.revision ?? createHash('sha256').update(opts.wasm).update(dataText).digest('hex').slice(0, 16);
  const manifest = validate(BundleManifest, {
    revision,
    roots: opts.roots ?? [''],
    wasm: opts.entrypoints.map((entrypoint) => ({ entrypoint, module: `/${WASM_FILE}` })),
  }, 'bundle manifest');
  const files: BundleFiles = new Map([
    [MANIFEST_FILE, Buffer.from(JSON.stringify(manifest))],
    [WASM_FILE, Buffer.from(opts.wasm)],
    [DATA_FILE, Buffer.from(dataText)],
  ]);
  return packBundle(files);
}

function parseJson(files: BundleFiles, name: string): unknown {
  const raw = files.get(name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (e) {
    throw new BundleError(`bundle ${name} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Reads and checks a bundle: manifest valid, every wasm resolver's module present, data an object. */
export async function readBundle(archive: Buffer): Promise<PolicyBundleContents> {
  const files = await unpackBundle(archive);
  const rawManifest = parseJson(files, MANIFEST_FILE);
  if (rawManifest === undefined) throw new BundleError('bundle has no .manifest');
  const manifest = validate(BundleManifest, rawManifest, 'bundle manifest');
  const resolvers = manifest.wasm ?? [];
  if (resolvers.length === 0) throw new BundleError('bundle manifest lists no wasm entrypoints');
  const modules = new Set(resolvers.map((r) => r.module.replace(/^\/+/, '')));
  if (modules.size !== 1) throw new BundleError(`bundle uses ${modules.size} wasm modules; warden bundles have exactly one`);
  const [modulePath] = [...modules];
  const wasm = modulePath === undefined ? undefined : files.get(modulePath);
  if (wasm === undefined) throw new BundleError(`bundle manifest names /${modulePath ?? ''} but the bundle has no such file`);
  if (wasm.length < 8 || wasm.readUInt32LE(0) !== 0x6d736100) throw new BundleError(`/${modulePath ?? ''} is not a WebAssembly module`);
  const data = parseJson(files, DATA_FILE) ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new BundleError('bundle data.json must hold a JSON object');
  return { manifest, wasm: new Uint8Array(wasm), data: data as Record<string, unknown> };
}
