// Bundle writer/reader: a compiled module packed with its manifest and data, read back and
// evaluated in the SDK; malformed bundles are refused with clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { IR, L, results } from './ir-builder.ts';
import { writeBundle, readBundle } from '../../../compiler/src/bundle.ts';
import { packBundle } from '../../../wire/src/bundle-archive.ts';

async function module(): Promise<Uint8Array> {
  const b = new IR();
  b.plan('warden/decision', [
    { type: 'DotStmt', source: L(1), key: b.s('banned'), target: 2 },
    { type: 'DotStmt', source: L(0), key: b.s('tool'), target: 3 },
    { type: 'CallStmt', func: 'internal.member_2', args: [L(3), L(2)], result: 4 },
    ...b.result(4),
  ]);
  return b.wasm();
}

test('writeBundle → readBundle round trip; the module evaluates with the bundle data in the SDK', async () => {
  const wasm = await module();
  const data = { banned: ['cursor', 'windsurf'] };
  const archive = writeBundle({ wasm, entrypoints: ['warden/decision'], data });
  assert.deepEqual(writeBundle({ wasm, entrypoints: ['warden/decision'], data }), archive, 'deterministic');
  const read = await readBundle(archive);
  assert.deepEqual(read.manifest.wasm, [{ entrypoint: 'warden/decision', module: '/policy.wasm' }]);
  assert.deepEqual(read.manifest.roots, ['']);
  assert.match(read.manifest.revision, /^[0-9a-f]{16}$/);
  assert.deepEqual(read.data, data);
  const p = await loadPolicy(read.wasm);
  p.setData(read.data);
  assert.deepEqual(results(p.evaluate({ tool: 'cursor' }, 'warden/decision')), [true]);
  assert.deepEqual(results(p.evaluate({ tool: 'vim' }, 'warden/decision')), [false]);
});

test('readBundle refuses truncated archives, bad manifests, missing modules and non-object data', async () => {
  const wasm = await module();
  const good = writeBundle({ wasm, entrypoints: ['warden/decision'], revision: 'r1' });
  await assert.rejects(readBundle(good.subarray(0, good.length - 20)), /truncated|unexpected end|incorrect header|invalid|end of file/i);
  const files = (m: unknown, extra: [string, Buffer][] = []): Buffer => packBundle(new Map([['.manifest', Buffer.from(JSON.stringify(m))], ...extra]));
  await assert.rejects(readBundle(files({ revision: 'r', roots: [''], wasm: [{ entrypoint: 'a/b', module: '/policy.wasm' }] })), /no such file/);
  await assert.rejects(readBundle(files({ revision: 7, roots: [''] })), /invalid bundle manifest/);
  await assert.rejects(readBundle(files({ revision: 'r', roots: [''], wasm: [{ entrypoint: '../x', module: '/policy.wasm' }] })), /invalid bundle manifest/);
  await assert.rejects(readBundle(files({ revision: 'r', roots: [''] })), /no wasm entrypoints/);
  await assert.rejects(readBundle(files({ revision: 'r', roots: [''], wasm: [{ entrypoint: 'a/b', module: '/policy.wasm' }] }, [['policy.wasm', Buffer.from('not wasm')]])), /not a WebAssembly module/);
  await assert.rejects(readBundle(files({ revision: 'r', roots: [''], wasm: [{ entrypoint: 'a/b', module: '/policy.wasm' }] }, [['policy.wasm', Buffer.from(wasm)], ['data.json', Buffer.from('[1]')]])), /must hold a JSON object/);
  await assert.rejects(readBundle(gzipSync(Buffer.from('garbage'))), Error);
  assert.throws(() => writeBundle({ wasm, entrypoints: [] }), /at least one entrypoint/);
  assert.throws(() => writeBundle({ wasm, entrypoints: ['bad path!'] }), /invalid bundle manifest/);
});
