// Manifest readers in isolation: JetBrains plugin jars (stored and deflated entries, corrupt
// zips), Python METADATA, Info.plist in XML and binary form, version ordering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { build, buildBinary } from 'plist';
import { compareVersions, distMetadata, infoPlist, jarPluginXml, loadPlistParsers } from '../../agent/src/inventory/manifests.ts';
import { zipOne } from '../../agent/src/inventory/materialize.ts';
import { ScanFs } from '../../agent/src/inventory/scanfs.ts';

/** A zip whose plugin.xml entry is deflated (method 8), as real jars are. */
function deflatedZip(name: string, data: Buffer): Buffer {
  const comp = deflateRawSync(data);
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc32(data), 14);
  local.writeUInt32LE(comp.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(n.length, 26);
  const cd = Buffer.alloc(46);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt16LE(8, 10);
  cd.writeUInt32LE(crc32(data), 16);
  cd.writeUInt32LE(comp.length, 20);
  cd.writeUInt32LE(data.length, 24);
  cd.writeUInt16LE(n.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(30 + n.length + comp.length, 16);
  return Buffer.concat([local, n, comp, cd, n, end]);
}

test('manifest readers: jars, METADATA, plists; bad ones recorded', async () => {
  // The plist parsers load on demand (scanInventory loads them for a layout with .app bundles).
  assert.throws(() => infoPlist(new ScanFs(tmpdir()), join(tmpdir(), 'none.plist')), /the plist parsers are not loaded/);
  await loadPlistParsers();
  const dir = mkdtempSync(join(tmpdir(), 'warden-man-'));
  try {
    const fs = new ScanFs(dir);
    const xml = Buffer.from('<idea-plugin><id>com.intellij.ml.llm</id><name>AI Assistant</name><version>252.26830.84</version><vendor>JetBrains</vendor></idea-plugin>');
    writeFileSync(join(dir, 'stored.jar'), zipOne('META-INF/plugin.xml', xml));
    writeFileSync(join(dir, 'deflated.jar'), deflatedZip('META-INF/plugin.xml', xml));
    writeFileSync(join(dir, 'other.jar'), zipOne('META-INF/MANIFEST.MF', Buffer.from('Manifest-Version: 1.0\n')));
    writeFileSync(join(dir, 'corrupt.jar'), Buffer.from('PK\u0003\u0004 this is not really a zip'));
    assert.deepEqual(jarPluginXml(fs, join(dir, 'stored.jar')), { id: 'com.intellij.ml.llm', version: '252.26830.84' });
    assert.deepEqual(jarPluginXml(fs, join(dir, 'deflated.jar')), { id: 'com.intellij.ml.llm', version: '252.26830.84' });
    assert.equal(jarPluginXml(fs, join(dir, 'other.jar')), null);
    assert.equal(jarPluginXml(fs, join(dir, 'corrupt.jar')), null);
    assert.ok(fs.skipped.some((s) => s.path.endsWith('corrupt.jar') && /malformed jar/.test(s.reason)));

    writeFileSync(join(dir, 'METADATA'), 'Metadata-Version: 2.1\r\nName: aider-chat\r\nVersion: 0.86.1\r\n\r\nVersion: 9.9.9 (in the description, ignored)\n');
    assert.deepEqual(distMetadata(fs, join(dir, 'METADATA')), { name: 'aider-chat', version: '0.86.1' });
    writeFileSync(join(dir, 'NOVERSION'), 'Name: x\n');
    assert.equal(distMetadata(fs, join(dir, 'NOVERSION'))?.version, null);
    assert.ok(fs.skipped.some((s) => s.path.endsWith('NOVERSION') && /no Version header/.test(s.reason)));

    const info = { CFBundleIdentifier: 'com.anthropic.claudefordesktop', CFBundleShortVersionString: '0.14.10', CFBundleVersion: '0.14.10.1' };
    writeFileSync(join(dir, 'xml.plist'), build(info));
    writeFileSync(join(dir, 'bin.plist'), buildBinary(info));
    writeFileSync(join(dir, 'nover.plist'), build({ CFBundleIdentifier: 'x', CFBundleVersion: '77' }));
    writeFileSync(join(dir, 'array.plist'), build(['not', 'a', 'dict']));
    for (const f of ['xml.plist', 'bin.plist']) assert.deepEqual(infoPlist(fs, join(dir, f)), { version: '0.14.10', bundleId: 'com.anthropic.claudefordesktop' });
    assert.equal(infoPlist(fs, join(dir, 'nover.plist'))?.version, '77');
    assert.equal(infoPlist(fs, join(dir, 'array.plist')), null);
    assert.ok(fs.skipped.some((s) => s.path.endsWith('array.plist') && /not a dictionary/.test(s.reason)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('versions order numerically', () => {
  const v = ['1.10.0', '1.9.2', '2.0.0-beta.1', '2.0.0', '1.9.10'].sort(compareVersions);
  assert.deepEqual(v, ['1.9.2', '1.9.10', '1.10.0', '2.0.0-beta.1', '2.0.0']);
  assert.equal(compareVersions('2.0.0-beta.2', '2.0.0-beta.10') < 0, true);
  assert.equal(compareVersions('2026.05.28-418efe5', '2026.05.28-418efe5'), 0);
});
