// `warden` runs from build/warden.mjs (plain node) when it is current, from the sources under tsx
// otherwise: both must build the same policy bundle, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('bundled and source `warden policy build` write identical bundles', { skip: existsSync('build/warden.mjs') ? false : 'run npm run build first' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-bundle-'));
  try {
    const args = (out: string) => ['bin/warden.js', 'policy', 'build', '-t', 'wasm', '-e', 'warden/decisions', '-o', out, '--data', 'policies/examples/ban-claude-code.json', 'policies/warden.rego'];
    const bundled = spawnSync(process.execPath, args(join(dir, 'a.tar.gz')), { encoding: 'utf8', env: { ...process.env, WARDEN_FROM_SOURCE: '' } });
    assert.equal(bundled.status, 0, bundled.stderr);
    const source = spawnSync(process.execPath, args(join(dir, 'b.tar.gz')), { encoding: 'utf8', env: { ...process.env, WARDEN_FROM_SOURCE: '1' } });
    assert.equal(source.status, 0, source.stderr);
    assert.deepEqual(readFileSync(join(dir, 'a.tar.gz')), readFileSync(join(dir, 'b.tar.gz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
