// Bundle order on the agent (issue 10, item 6): the signed manifest's sequence, not the signature
// second, decides. Two bundles signed in the same second: the older one is refused after the newer;
// the active bundle delivered again byte for byte is accepted (no change); a different bundle with the
// same sequence is refused; a malformed sequence or next key is refused, not ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packBundle } from '../../wire/src/bundle-archive.ts';
import { generateSigningKey, signBundle } from '../../wire/src/bundle-signing.ts';
import { BundleOrderError, withOrder } from '../../wire/src/bundle-order.ts';
import { BundleCache, BundleRollbackError } from '../../agent/src/sync/bundle-cache.ts';
import { pinFirstKey } from '../../agent/src/sync/pinned-key.ts';
import { tempDir } from './helpers.ts';
import { EMPTY_WASM } from '../support/transport-bundle.ts';

const files = (mode: string): Map<string, Buffer> =>
  new Map([
    ['.manifest', Buffer.from(JSON.stringify({ revision: `r-${mode}`, roots: [''] }))],
    ['policy.wasm', EMPTY_WASM],
    ['data.json', Buffer.from(JSON.stringify({ mode, rules: [] }))],
  ]);

test('same-second replay: the older of two bundles signed in one second is refused after the newer; a byte-identical re-delivery is accepted', async () => {
  const t = tempDir('order');
  try {
    const key = generateSigningKey();
    const pin = pinFirstKey(t.dir, key.publicKeyPem, 'config');
    const cache = new BundleCache(t.dir, () => pin);
    const iat = Math.floor(Date.now() / 1000);
    // monitor mode published, then enforce a moment later: same signature second
    const monitor = packBundle(signBundle(withOrder(files('monitor'), { seq: 10, nextKey: null }), key, { iat }));
    const enforce = packBundle(signBundle(withOrder(files('enforce'), { seq: 12, nextKey: null }), key, { iat }));
    assert.equal((await cache.accept(monitor, '"m"')).changed, true);
    assert.equal((await cache.accept(enforce, '"e"')).changed, true);
    await assert.rejects(cache.accept(monitor, '"m"'), (e: unknown) => e instanceof BundleRollbackError && /sequence 10 is not after the active bundle's 12/.test(e.message));
    assert.equal(cache.current()?.revision, 'r-enforce');
    // the same bytes again (a re-delivery, another node, a 200 instead of a 304): fine, nothing changes
    const again = await cache.accept(enforce, '"e2"');
    assert.equal(again.changed, false);
    assert.equal(again.bundle.seq, 12);
    // the same sequence with other content is not the active bundle: refused
    const twin = packBundle(signBundle(withOrder(files('monitor'), { seq: 12, nextKey: null }), key, { iat: iat + 5 }));
    await assert.rejects(cache.accept(twin, '"t"'), BundleRollbackError);
    // a bundle without a sequence (older server release) cannot come after a sequenced one
    await assert.rejects(cache.accept(packBundle(signBundle(files('monitor'), key, { iat: iat + 60 })), '"x"'), /sequence 0 is not after/);
    // malformed order fields are refused, not ignored
    const bad = files('monitor');
    bad.set('.manifest', Buffer.from(JSON.stringify({ revision: 'r-bad', metadata: { warden: { seq: '99' } } })));
    await assert.rejects(cache.accept(packBundle(signBundle(bad, key)), '"b"'), BundleOrderError);
    bad.set('.manifest', Buffer.from(JSON.stringify({ revision: 'r-bad', metadata: { warden: { seq: 99, next_key: 'not a key' } } })));
    await assert.rejects(cache.accept(packBundle(signBundle(bad, key)), '"b"'), /next_key is not an ed25519 public key/);
    assert.equal(cache.current()?.revision, 'r-enforce');
    // what is on disk is the newer bundle, and it loads again (restart)
    const fresh = new BundleCache(t.dir, () => pin);
    assert.equal((await fresh.loadLastGood())?.bundle.seq, 12);
    assert.ok(readFileSync(join(t.dir, 'bundle.tar.gz')).equals(enforce));
  } finally {
    t.cleanup();
  }
});
