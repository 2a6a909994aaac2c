// Host facts come from systeminformation on a live host, and are not invented for a scanned root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { hostFacts } from '../../agent/src/inventory/host.ts';
import { HostFacts } from '../../wire/src/inventory.ts';
import { validate } from '../../wire/src/validate.ts';

test('live host facts: hostname, distro and release from systeminformation; serial or null', async () => {
  const f = validate(HostFacts, await hostFacts('linux', ['alice'], true), 'host facts');
  assert.equal(f.hostname, hostname());
  assert.deepEqual(f.users, ['alice']);
  if (process.platform === 'linux') {
    assert.notEqual(f.os.distro, 'unknown');
    assert.notEqual(f.os.release, 'unknown');
  }
  assert.ok(f.serial === null || (f.serial.length > 0 && f.serial !== '-'));
});

test('a scanned root does not claim this host\'s OS', async () => {
  const f = await hostFacts('win32', ['bob'], false);
  assert.deepEqual([f.os.platform, f.os.distro, f.serial], ['win32', 'scanned root', null]);
});
