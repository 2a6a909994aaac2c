// Creates fake installs from catalog signatures inside a folder used as a filesystem root:
// minimal package.json / METADATA / Info.plist / manifest.json / plugin jars carrying a chosen
// version. Used by the demo root, the catalog coverage tests and the bench — never the real home.
// The files are inert data: nothing here (or in the scanner) executes them.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { build as buildPlist, buildBinary as buildBinaryPlist } from 'plist';
import type { Catalog, CatalogTool, LayoutOs, Signature } from '../../../wire/src/catalog.ts';
import type { Channel } from '../../../wire/src/inventory.ts';

export type Materialized = {
  tool: string;
  os: LayoutOs;
  signature: Signature;
  /** Host path the scanner should report as evidence. */
  path: string;
  /** Version the scanner should read, when the signature carries one. */
  version: string | null;
  channel: Channel;
  user: string | null;
};

export type Placement = {
  root: string;
  os: LayoutOs;
  /** User whose home receives '~' paths; the home is created under the OS's home parent. */
  user: string;
  /** Picks among a placeholder's locations (e.g. which npm global root); wraps around. */
  variant?: number;
  /** Write Info.plist as a binary plist instead of XML. */
  binaryPlist?: boolean;
};

export function homeOf(root: string, os: LayoutOs, user: string): string {
  if (os === 'linux') return user === 'root' ? join(root, 'root') : join(root, 'home', user);
  return join(root, 'Users', user);
}

/** Concrete names for '*' segments, so the written path is one the scanner's globs match. */
function fillStars(seg: string): string {
  return seg
    .replace(/^python3\*$/i, 'python3.12')
    .replace(/^Python3\*$/, 'Python312')
    .replace(/^python\*$/i, 'python3.12')
    .replace(/^v\*$/, 'v20.19.0')
    .replace(/\*/g, 'x1');
}

/** Expands a template to one concrete host path (placeholders through catalog locations). */
export function concretePath(catalog: Catalog, template: string, p: Placement, version = '1.0.0'): { path: string; machineWide: boolean } {
  let t = template;
  for (let guard = 0; guard < 5; guard++) {
    const m = /^<([A-Z_]+)>(.*)$/.exec(t);
    if (!m) break;
    const list = catalog.locations[m[1]!]?.[p.os] ?? [];
    if (!list.length) throw new Error(`no ${m[1]} location for ${p.os}`);
    // Prefer per-user locations (independent fixtures per home) but let `variant` walk them all.
    const homeFirst = [...list.filter((l) => l.startsWith('~')), ...list.filter((l) => !l.startsWith('~'))];
    t = homeFirst[(p.variant ?? 0) % homeFirst.length]! + m[2]!;
  }
  const machineWide = t.startsWith('/');
  const base = machineWide ? p.root : homeOf(p.root, p.os, p.user);
  const rest = machineWide ? t : t.slice(1);
  const segs = rest.split('/').filter(Boolean).map((s) => fillStars(s.replace(/<version>/g, version)));
  return { path: join(base, ...segs), machineWide };
}

function write(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** A minimal stored (uncompressed) zip holding one file: a JetBrains plugin jar. */
export function zipOne(name: string, data: Buffer): Buffer {
  const nameBuf = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBuf.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = local.length + nameBuf.length + data.length;
  const cdSize = central.length + nameBuf.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, nameBuf, data, central, nameBuf, end]);
}

const DIR_KINDS = /(_dir|_root|model_store|group_container|msix_data|msix_install)$/;

function endpointPath(root: string, hostPath: string): string {
  return hostPath.slice(root.length) || '/';
}

/** Writes one signature's fake install and says what the scanner should find. */
export function materialize(catalog: Catalog, tool: CatalogTool, sig: Signature, p: Placement, version: string): Materialized {
  const out = (path: string, v: string | null, user: string | null, channel: Channel = sig.channel): Materialized => ({ tool: tool.id, os: p.os, signature: sig, path, version: v, channel, user });
  const home = homeOf(p.root, p.os, p.user);
  mkdirSync(home, { recursive: true });
  switch (sig.detector) {
    case 'npm_package': {
      const { path: root, machineWide } = concretePath(catalog, '<NPM_ROOT>', p);
      const dir = join(root, ...sig.name!.split('/'));
      write(join(dir, 'package.json'), JSON.stringify({ name: sig.name, version, bin: {} }, null, 2));
      write(join(dir, 'cli.js'), '// inert fixture\n');
      return out(dir, version, machineWide ? null : p.user, 'npm');
    }
    case 'python_dist': {
      const list = catalog.locations.PY_SITE?.[p.os] ?? [];
      const plain = list.filter((l) => !/^<(PIPX|UV)/.test(l));
      const tpl = plain[(p.variant ?? 0) % plain.length]!;
      const { path: site, machineWide } = concretePath(catalog, tpl, p);
      const dir = join(site, `${sig.name!.replace(/-/g, '_')}-${version}.dist-info`);
      write(join(dir, 'METADATA'), `Metadata-Version: 2.1\nName: ${sig.name}\nVersion: ${version}\nSummary: fixture\n\nlong description\n`);
      return out(dir, version, machineWide ? null : p.user, 'pip');
    }
    case 'python_venv': {
      const { path: venv, machineWide } = concretePath(catalog, sig.path!, p);
      const dist = venv.split('/').pop()!.replace(/-/g, '_');
      const site = p.os === 'win32' ? join(venv, 'Lib', 'site-packages') : join(venv, 'lib', 'python3.12', 'site-packages');
      write(join(site, `${dist}-${version}.dist-info`, 'METADATA'), `Metadata-Version: 2.1\nName: ${dist}\nVersion: ${version}\n`);
      return out(venv, version, machineWide ? null : p.user);
    }
    case 'version_dir': {
      const { path, machineWide } = concretePath(catalog, sig.path!, p, version);
      if (sig.kind === 'binary' || /\.(exe|cmd)$/i.test(path)) write(path, 'inert fixture binary\n');
      else mkdirSync(path, { recursive: true });
      return out(path, version, machineWide ? null : p.user);
    }
    case 'app_bundle': {
      const { path: app, machineWide } = concretePath(catalog, sig.path!, p);
      const info = { CFBundleIdentifier: `fixture.${tool.id}`, CFBundleName: tool.name, CFBundleShortVersionString: version, CFBundleVersion: `${version}.0` };
      write(join(app, 'Contents', 'Info.plist'), p.binaryPlist ? buildBinaryPlist(info) : buildPlist(info));
      return out(app, version, machineWide ? null : p.user, 'app');
    }
    case 'vscode_extension': {
      const dirs = catalog.locations.VSC_EXT?.[p.os] ?? [];
      const { path: extDir } = concretePath(catalog, dirs[(p.variant ?? 0) % dirs.length]!, p);
      const dir = join(extDir, `${sig.name}-${version}`);
      const [publisher, name] = sig.name!.split('.');
      write(join(dir, 'package.json'), JSON.stringify({ name, publisher, version, engines: { vscode: '^1.90.0' } }));
      return out(dir, version, p.user, 'vscode_extension');
    }
    case 'jetbrains_plugin': {
      const { path: pluginsDir } = concretePath(catalog, '<JB_PLUGINS>', p);
      const folder = sig.name!.includes('.') ? `plugin-${tool.id}` : sig.name!;
      const id = sig.name!.includes('.') ? sig.name! : `fixture.${sig.name}`;
      const dir = join(pluginsDir, folder);
      const xml = `<idea-plugin>\n  <id>${id}</id>\n  <name>${tool.name}</name>\n  <version>${version}</version>\n</idea-plugin>\n`;
      write(join(dir, 'lib', `${folder}.jar`), zipOne('META-INF/plugin.xml', Buffer.from(xml)));
      return out(dir, version, p.user, 'jetbrains_plugin');
    }
    case 'browser_extension': {
      const { path: profile } = concretePath(catalog, '<CHROMIUM_PROFILE>', { ...p, variant: p.variant ?? 0 });
      const prof = profile.replace(/x1$/, 'Default');
      const dir = join(prof, 'Extensions', sig.name!);
      write(join(dir, `${version}_0`, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: '__MSG_appName__', version }));
      return out(dir, version, p.user, 'browser_extension');
    }
    case 'mcp_config': {
      const { path, machineWide } = concretePath(catalog, sig.path!, p);
      write(path, JSON.stringify({ mcpServers: { files: { command: 'npx', args: ['fs-server'], env: { API_KEY: 'sk-fixture-not-a-secret' } } } }));
      return out(path, null, machineWide ? null : p.user, 'traces');
    }
    case 'path': {
      const { path, machineWide } = concretePath(catalog, sig.path!, p);
      if (sig.kind === 'symlink' || sig.kind === 'alias_or_symlink') {
        // Like the native installers: ~/.local/bin/<name> → ~/.local/share/<name>/versions/<v>
        const name = path.split('/').pop()!;
        const target = join(home, '.local', 'share', name, 'versions', version);
        write(target, 'inert fixture binary\n');
        mkdirSync(dirname(path), { recursive: true });
        symlinkSync(endpointPath(p.root, target), path); // absolute, as on the endpoint
        return out(path, version, machineWide ? null : p.user);
      }
      const isDir = DIR_KINDS.test(sig.kind) || (!/\.[A-Za-z0-9]{1,5}$/.test(path) && /(dir|store|container|profile)/.test(sig.kind));
      if (isDir) mkdirSync(path, { recursive: true });
      else write(path, sig.kind.includes('config') || sig.kind === 'managed_policy' || path.endsWith('.json') ? '{}\n' : 'inert fixture\n');
      // Desktop apps outside a .app carry their release in resources/app/package.json (Electron).
      if (sig.strong && (sig.channel === 'app' || sig.channel === 'system_package') && (isDir || /\.exe$/i.test(path))) {
        write(join(isDir ? path : dirname(path), 'resources', 'app', 'package.json'), JSON.stringify({ name: tool.id, version }));
        return out(path, version, machineWide ? null : p.user);
      }
      return out(path, null, machineWide ? null : p.user);
    }
  }
}
