// Signed bundles: round trip, and every way a bundle can be wrong is refused with its own clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packBundle, unpackBundle } from '../../wire/src/bundle-archive.ts';
import {
  BundleSignatureError,
  SIGNATURES_FILE,
  generateSigningKey,
  loadOrCreateSigningKey,
  openSignedBundle,
  signBundle,
  signBundleArchive,
  verifyBundle,
} from '../../wire/src/bundle-signing.ts';

const files = (): Map<string, Buffer> =>
  new Map([
    ['.manifest', Buffer.from(JSON.stringify({ revision: 'r1', roots: ['warden'], wasm: [{ entrypoint: 'warden/decision', module: '/policy.wasm' }] }))],
    ['policy.wasm', Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])],
    ['data.json', Buffer.from('{"bans": {"tools": ["claude-code"]}}')],
  ]);

async function rejects(p: Promise<unknown>, problem: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BundleSignatureError, `expected BundleSignatureError, got ${String(e)}`);
    assert.equal(e.problem, problem, e.message);
    assert.match(e.message, re);
    return true;
  });
}

test('a signed bundle round-trips through tar.gz and verifies against the pinned key', async () => {
  const key = generateSigningKey();
  const tgz = packBundle(signBundle(files(), key));
  const v = await openSignedBundle(tgz, key.publicKeyPem);
  assert.deepEqual([...v.files.keys()].sort(), ['.manifest', 'data.json', 'policy.wasm']);
  assert.deepEqual(v.files.get('policy.wasm'), files().get('policy.wasm'));
  assert.equal(v.signature.keyid, key.keyId);
  assert.equal(v.signature.files.length, 3);
});

test('JSON files are hashed canonically: re-formatting data.json keeps the signature valid', () => {
  const key = generateSigningKey();
  const signed = signBundle(files(), key);
  signed.set('data.json', Buffer.from('{\n  "bans": {\n    "tools": [ "claude-code" ]\n  }\n}\n'));
  assert.doesNotThrow(() => verifyBundle(signed, key.publicKeyPem));
});

test('signBundleArchive signs an unsigned archive (the compiler output)', async () => {
  const key = generateSigningKey();
  const signedTgz = await signBundleArchive(packBundle(files()), key);
  const v = await openSignedBundle(signedTgz, key.publicKeyPem);
  assert.equal(v.files.size, 3);
});

test('unsigned bundle is refused', async () => {
  const key = generateSigningKey();
  await rejects(openSignedBundle(packBundle(files()), key.publicKeyPem), 'unsigned', /unsigned/);
});

test('bundle signed by another key is refused as wrong key', async () => {
  const key = generateSigningKey();
  const other = generateSigningKey();
  await rejects(openSignedBundle(packBundle(signBundle(files(), other)), key.publicKeyPem), 'wrong_key', /not the pinned key/);
});

test('a forged signature claiming the pinned key id is refused', async () => {
  const key = generateSigningKey();
  const other = generateSigningKey();
  const forged = signBundle(files(), { ...other, keyId: key.keyId });
  await rejects(openSignedBundle(packBundle(forged), key.publicKeyPem), 'bad_signature', /does not verify/);
});

test('a tampered data file is refused', async () => {
  const key = generateSigningKey();
  const signed = signBundle(files(), key);
  signed.set('data.json', Buffer.from('{"bans": {"tools": []}}'));
  await rejects(openSignedBundle(packBundle(signed), key.publicKeyPem), 'tampered', /data\.json.*signed hash/);
});

test('a tampered policy.wasm is refused', async () => {
  const key = generateSigningKey();
  const signed = signBundle(files(), key);
  const wasm = Buffer.from(signed.get('policy.wasm') as Buffer);
  wasm[7] = 9;
  signed.set('policy.wasm', wasm);
  await rejects(openSignedBundle(packBundle(signed), key.publicKeyPem), 'tampered', /policy\.wasm/);
});

test('an added file and a removed file are refused', async () => {
  const key = generateSigningKey();
  const added = signBundle(files(), key);
  added.set('extra/data.json', Buffer.from('{}'));
  await rejects(openSignedBundle(packBundle(added), key.publicKeyPem), 'unexpected_file', /extra\/data\.json/);
  const removed = signBundle(files(), key);
  removed.delete('data.json');
  await rejects(openSignedBundle(packBundle(removed), key.publicKeyPem), 'missing_file', /data\.json/);
});

test('a malformed signature file is refused', async () => {
  const key = generateSigningKey();
  for (const body of ['not json', '{"signatures": []}', '{"signatures": ["a.b"]}', '{"signatures": ["x.y.z"]}']) {
    const signed = signBundle(files(), key);
    signed.set(SIGNATURES_FILE, Buffer.from(body));
    await rejects(openSignedBundle(packBundle(signed), key.publicKeyPem), 'bad_signature_file', /signature/);
  }
});

test('truncated, non-gzip, empty and unsafe archives are refused as corrupt', async () => {
  const key = generateSigningKey();
  const tgz = packBundle(signBundle(files(), key));
  await rejects(openSignedBundle(tgz.subarray(0, Math.floor(tgz.length / 2)), key.publicKeyPem), 'corrupt_archive', /truncated/);
  await rejects(openSignedBundle(Buffer.from('hello'), key.publicKeyPem), 'corrupt_archive', /not gzip/);
  await rejects(openSignedBundle(Buffer.alloc(0), key.publicKeyPem), 'corrupt_archive', /empty/);
  // gzip intact but the tar inside cut short (no end-of-archive blocks)
  const { gunzipSync } = await import('node:zlib');
  const tarBytes = gunzipSync(tgz);
  await rejects(openSignedBundle(gzipSync(tarBytes.subarray(0, 1024)), key.publicKeyPem), 'corrupt_archive', /truncated/);
  // gzip bomb guard
  await rejects(
    openSignedBundle(gzipSync(Buffer.alloc(4096)), key.publicKeyPem, { maxCompressed: 1 << 20, maxExpanded: 1024, maxEntries: 10 }),
    'corrupt_archive',
    /expands past/,
  );
});

test('archive reader refuses path traversal entries', async () => {
  const { Header } = await import('tar');
  const h = new Header({ path: '../evil.json', mode: 0o644, size: 2, mtime: new Date(0), type: 'File' });
  const block = Buffer.alloc(512);
  h.encode(block, 0);
  const data = Buffer.alloc(512);
  data.write('{}');
  const tgz = gzipSync(Buffer.concat([block, data, Buffer.alloc(1024)]));
  await assert.rejects(unpackBundle(tgz), /unsafe/);
});

test('server key is created with mode 0600 and reloaded with the same id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-key-'));
  try {
    const a = loadOrCreateSigningKey(join(dir, 'data'));
    const keyPath = join(dir, 'data', 'bundle-signing.key');
    if (process.platform !== 'win32') assert.equal(statSync(keyPath).mode & 0o777, 0o600);
    const b = loadOrCreateSigningKey(join(dir, 'data'));
    assert.equal(a.keyId, b.keyId);
    assert.equal(readFileSync(join(dir, 'data', 'bundle-signing.pub'), 'utf8'), a.publicKeyPem);
    if (process.platform !== 'win32') {
      chmodSync(keyPath, 0o644);
      assert.throws(() => loadOrCreateSigningKey(join(dir, 'data')), /readable by group or others/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
