// Host facts for the inventory: hostname, OS, serial number, users. systeminformation reads them
// (osInfo and system run in parallel; versions() is never called — it spawns many processes).
import { hostname } from 'node:os';
import type { HostFacts } from '../../../wire/src/inventory.ts';
import type { LayoutOs } from '../../../wire/src/catalog.ts';

export async function hostFacts(os: LayoutOs, users: string[], live: boolean): Promise<HostFacts> {
  const facts: HostFacts = { hostname: hostname(), os: { platform: os, distro: 'unknown', release: 'unknown', arch: process.arch }, serial: null, users };
  if (!live) {
    // A scanned root (tests, demo, a mounted disk image) is not this host's OS.
    facts.os.distro = 'scanned root';
    return facts;
  }
  try {
    const si = (await import('systeminformation')).default;
    const [osInfo, system] = await Promise.all([si.osInfo(), si.system()]);
    facts.os.distro = osInfo.distro || 'unknown';
    facts.os.release = osInfo.release || 'unknown';
    facts.os.arch = osInfo.arch || process.arch;
    const serial = [system.serial, osInfo.serial].find((s) => s && s !== '-' && !/^0+$/.test(s));
    facts.serial = serial ?? null;
  } catch {
    // facts stay 'unknown'; the inventory itself does not depend on them
  }
  return facts;
}
