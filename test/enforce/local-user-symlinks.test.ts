// Issue 10 item 1, done the way a local unprivileged user would: real files and symlinks in a temp
// root. carol (uid 65534) points her ~/.local/share/claude/versions at a system folder holding a
// digit-named child, or a symlinked node_modules/@anthropic-ai points outside the root, or a parent is
// swapped for a symlink between the agent's check and its move. The agent lists nothing through those
// links, refuses to move anything, records the refusal as an event with the reason, and the system
// folders stay byte-identical. Beside them, genuine installs (npm with its bin link; native with its
// ~/.local/bin link into the version folder) owned by their users are quarantined and restored byte
// for byte, owners included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { enforceDecisions } from '../../agent/src/enforce/enforce.ts';
import { readEvents } from '../../agent/src/enforce/outbox.ts';
import { enforceState } from '../../agent/src/enforce/state.ts';
import { quarantineTargets } from '../../agent/src/enforce/targets.ts';
import { describeTree, diffTrees } from '../../agent/src/enforce/tree.ts';
import { listQuarantine, quarantine, QuarantineError, restore } from '../../agent/src/enforce/vault.ts';
import { loadCatalog } from '../../agent/src/catalog/load.ts';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { FD_ANCHORED, openParent } from '../../agent/src/proof/anchored.ts';
import { InstallProver } from '../../agent/src/proof/install-proof.ts';
import type { Finding, Inventory } from '../../wire/src/inventory.ts';
import { decision, tempRoot } from './fixtures.ts';

const CAROL = 65534;
const BOB = 65533;
const POSTGRES = 65532;
const asRoot = process.getuid?.() === 0;
const needsRoot = !asRoot && 'chown to other users needs root';

function put(path: string, content: string, uid?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  if (uid !== undefined) lchownSync(path, uid, uid);
}

/** chown every entry from `from` (inclusive) down to `path` to uid — a user's own folders. */
function own(from: string, path: string, uid: number): void {
  for (let p = path; p.length >= from.length; p = dirname(p)) {
    lchownSync(p, uid, uid);
    if (p === from) break;
  }
}

/** A folder outside the scan root standing for /var/lib/postgresql: a digit-named child with data. */
function systemFolder(dir: string): string {
  const pg = join(dir, 'var-lib-postgresql');
  put(join(pg, '16', 'main', 'PG_VERSION'), '16\n', POSTGRES);
  put(join(pg, '16', 'main', 'base', '1', '1259'), 'relation data\n', POSTGRES);
  return pg;
}

function claudeFinding(user: string | null, channel: Finding['channel'], evidence: Finding['evidence']): Finding {
  return { tool_id: 'claude-code', name: 'Claude Code (CLI)', vendor: 'Anthropic PBC', vendor_country: 'US', category: 'agentic-cli', version: null, channel, user, paths: evidence.map((e) => e.path), evidence, confidence: 'high', running: [] };
}

function withFindings(inv: Inventory, extra: Finding[]): Inventory {
  return { ...inv, findings: [...inv.findings, ...extra] };
}

test('a symlinked versions folder pointing at a system folder is not listed, not quarantined; the refusal is an event', { skip: needsRoot }, async () => {
  const t = tempRoot('symlinked-versions');
  try {
    const pg = systemFolder(t.dir);
    const pgBefore = describeTree(pg);
    // carol's attack: ~/.local/share/claude/versions → the system folder (outside the root here)
    const carol = join(t.root, 'home', 'carol');
    mkdirSync(join(carol, '.local', 'share', 'claude'), { recursive: true });
    own(carol, join(carol, '.local', 'share', 'claude'), CAROL);
    const versions = join(carol, '.local', 'share', 'claude', 'versions');
    symlinkSync(pg, versions);
    lchownSync(versions, CAROL, CAROL);
    // … and the same link target inside the root, as on a real endpoint where '/' is the root.
    const inRootPg = join(t.root, 'var', 'lib', 'postgresql');
    put(join(inRootPg, '16', 'main', 'PG_VERSION'), '16\n', POSTGRES);
    lchownSync(inRootPg, POSTGRES, POSTGRES);
    lchownSync(join(inRootPg, '16'), POSTGRES, POSTGRES);
    const dave = join(t.root, 'home', 'dave');
    mkdirSync(join(dave, '.local', 'share', 'claude'), { recursive: true });
    own(dave, join(dave, '.local', 'share', 'claude'), CAROL);
    symlinkSync('../../../../../var/lib/postgresql', join(dave, '.local', 'share', 'claude', 'versions'));
    lchownSync(join(dave, '.local', 'share', 'claude', 'versions'), CAROL, CAROL);
    // bob's genuine native install: the version file and ~/.local/bin/claude → that file.
    const bob = join(t.root, 'home', 'bob');
    const bobVersion = join(bob, '.local', 'share', 'claude', 'versions', '2.0.22');
    put(bobVersion, '\x7fELF native claude 2.0.22\n', BOB);
    mkdirSync(join(bob, '.local', 'bin'), { recursive: true });
    const bobLink = join(bob, '.local', 'bin', 'claude');
    symlinkSync('../share/claude/versions/2.0.22', bobLink);
    lchownSync(bobLink, BOB, BOB);
    own(bob, join(bob, '.local', 'share', 'claude', 'versions'), BOB);
    own(bob, join(bob, '.local', 'bin'), BOB);
    const bobBefore = describeTree(bob);

    // The scan lists nothing through either link: no Claude Code 16 for carol or dave.
    const inv = await scanInventory({ root: t.root, os: 'linux', processes: false });
    const claude = inv.findings.filter((f) => f.tool_id === 'claude-code');
    assert.deepEqual(
      claude.map((f) => [f.user, f.channel, f.version]),
      [['bob', 'native', '2.0.22']],
    );
    assert.ok(inv.skipped.some((s) => s.path === versions && /outside the scan root/.test(s.reason)), JSON.stringify(inv.skipped));
    assert.ok(inv.skipped.some((s) => s.path.startsWith(join(dave, '.local')) && /owned by uid 65534 points at something owned by uid 65532/.test(s.reason)), JSON.stringify(inv.skipped));

    // Enforcement given the finding a link-following scan would have made (what happened before):
    // refused with the reason, recorded as an event, nothing moves. bob's genuine install is quarantined.
    const forged = [
      claudeFinding('carol', 'native', [{ signal: 'binary', path: join(versions, '16'), strong: true, version: '16' }]),
      claudeFinding('dave', 'native', [{ signal: 'binary', path: join(dave, '.local', 'share', 'claude', 'versions', '16'), strong: true, version: '16' }]),
    ];
    const all = withFindings(inv, forged);
    const decisions = all.findings.filter((f) => f.tool_id === 'claude-code').map((f) => decision(f, 'quarantine'));
    const report = await enforceDecisions(decisions, all, { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r1' });

    assert.deepEqual(diffTrees(pgBefore, describeTree(pg)), [], 'the system folder outside the root is untouched');
    assert.ok(existsSync(join(inRootPg, '16', 'main', 'PG_VERSION')), 'the system folder inside the root is untouched');
    assert.ok(lstatSync(versions).isSymbolicLink());
    const state = enforceState(t.state);
    const refused = readEvents(state.outbox).filter((e) => e.result === 'refused');
    assert.deepEqual(
      refused.map((e) => [e.kind, e.paths]),
      [
        ['quarantine', [join(versions, '16')]],
        ['quarantine', [join(dave, '.local', 'share', 'claude', 'versions', '16')]],
      ],
    );
    assert.match(refused[0]!.detail, /'.*\/home\/carol\/\.local\/share\/claude\/versions' is a symbolic link/);
    assert.match(refused[1]!.detail, /'.*\/home\/dave\/\.local\/share\/claude\/versions' is a symbolic link/);
    const carolSteps = report.actions.find((a) => a.finding === 'claude-code:native:carol')!.steps.join('\n');
    assert.match(carolSteps, /not moving .*versions\/16: .* is a symbolic link/);
    assert.match(carolSteps, /nothing left to quarantine/);

    // The genuine native install: version file moved, the ~/.local/bin/claude link replaced by the notice shim.
    const [m] = listQuarantine(state);
    assert.ok(m, 'bob quarantined');
    assert.deepEqual(m.items.map((i) => i.original).sort(), [bobLink, bobVersion].sort());
    assert.ok(!existsSync(bobVersion));
    assert.ok(lstatSync(bobLink).isFile(), 'notice shim where the command was');
    assert.deepEqual(restore(state, m.id).problems, []);
    assert.deepEqual(diffTrees(bobBefore, describeTree(bob)), [], 'restored byte for byte, modes and owners');
    assert.equal(lstatSync(bobVersion).uid, BOB);
  } finally {
    t.cleanup();
  }
});

test('a symlinked node_modules/@anthropic-ai pointing outside the root is not listed, not quarantined; a genuine npm install is', { skip: needsRoot }, async () => {
  const t = tempRoot('symlinked-scope');
  try {
    const outside = join(t.dir, 'elsewhere', '@anthropic-ai');
    put(join(outside, 'claude-code', 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '9.9.9' }));
    put(join(outside, 'claude-code', 'cli.js'), '// not under the root\n');
    const outsideBefore = describeTree(dirname(outside));
    const globalModules = join(t.root, 'usr', 'local', 'lib', 'node_modules');
    mkdirSync(globalModules, { recursive: true });
    symlinkSync(outside, join(globalModules, '@anthropic-ai'));
    // bob's genuine npm install under his own prefix (~/.npm-global), with its bin link.
    const bob = join(t.root, 'home', 'bob');
    const pkg = join(bob, '.npm-global', 'lib', 'node_modules', '@anthropic-ai', 'claude-code');
    put(join(pkg, 'package.json'), JSON.stringify({ name: '@anthropic-ai/claude-code', version: '2.0.14', bin: { claude: 'cli.js' } }), BOB);
    put(join(pkg, 'cli.js'), '#!/usr/bin/env node\n// claude\n', BOB);
    own(bob, pkg, BOB);
    mkdirSync(join(bob, '.npm-global', 'bin'));
    const bin = join(bob, '.npm-global', 'bin', 'claude');
    symlinkSync('../lib/node_modules/@anthropic-ai/claude-code/cli.js', bin);
    lchownSync(bin, BOB, BOB);
    lchownSync(dirname(bin), BOB, BOB);
    const bobBefore = describeTree(bob);

    const inv = await scanInventory({ root: t.root, os: 'linux', processes: false });
    assert.deepEqual(
      inv.findings.filter((f) => f.tool_id === 'claude-code').map((f) => [f.user, f.channel, f.version]),
      [['bob', 'npm', '2.0.14']],
    );
    assert.ok(inv.skipped.some((s) => s.path.startsWith(join(globalModules, '@anthropic-ai')) && /outside the scan root/.test(s.reason)), JSON.stringify(inv.skipped));

    const forged = claudeFinding(null, 'npm', [{ signal: 'npm_package', path: join(globalModules, '@anthropic-ai', 'claude-code'), strong: true, version: '9.9.9' }]);
    const all = withFindings(inv, [forged]);
    const decisions = all.findings.filter((f) => f.tool_id === 'claude-code').map((f) => decision(f, 'quarantine'));
    await enforceDecisions(decisions, all, { stateDir: t.state, root: t.root, os: 'linux', bundleRevision: 'r1' });
    assert.deepEqual(diffTrees(outsideBefore, describeTree(dirname(outside))), []);
    const state = enforceState(t.state);
    const refused = readEvents(state.outbox).filter((e) => e.result === 'refused');
    assert.equal(refused.length, 1);
    assert.match(refused[0]!.detail, /node_modules\/@anthropic-ai' is a symbolic link/);

    const [m] = listQuarantine(state);
    assert.deepEqual(m!.items.map((i) => i.original).sort(), [bin, pkg].sort());
    assert.ok(!existsSync(pkg));
    assert.deepEqual(restore(state, m!.id).problems, []);
    assert.deepEqual(diffTrees(bobBefore, describeTree(bob)), []);
  } finally {
    t.cleanup();
  }
});

test('a folder that holds more than the tool, or an install owned by someone else, is never a target', { skip: needsRoot }, async () => {
  const t = tempRoot('not-a-target');
  try {
    const carol = join(t.root, 'home', 'carol');
    put(join(carol, '.nvm', 'versions', 'node', 'v22.1.0', 'bin', 'node'), 'node\n', CAROL);
    put(join(carol, '.pyenv', 'versions', '3.12.1', 'bin', 'python'), 'python\n', CAROL);
    own(carol, join(carol, '.nvm', 'versions', 'node', 'v22.1.0', 'bin'), CAROL);
    own(carol, join(carol, '.pyenv', 'versions', '3.12.1', 'bin'), CAROL);
    // In carol's home, at the native installer's place, but owned by bob (uid 65533), not carol.
    const notHers = join(carol, '.local', 'share', 'claude', 'versions', '2.0.1');
    put(notHers, 'bob owns this\n', BOB);
    own(carol, join(carol, '.local', 'share', 'claude', 'versions'), CAROL);
    const before = describeTree(t.root);
    const f = claudeFinding('carol', 'native', [
      { signal: 'binary', path: join(carol, '.nvm', 'versions', 'node'), strong: true },
      { signal: 'binary', path: join(carol, '.nvm', 'versions', 'node', 'v22.1.0'), strong: true },
      { signal: 'binary', path: join(carol, '.pyenv', 'versions'), strong: true },
      { signal: 'binary', path: carol, strong: true },
      { signal: 'binary', path: join(t.root, 'home'), strong: true },
      { signal: 'binary', path: notHers, strong: true },
    ]);
    const prover = new InstallProver(t.root, 'linux', loadCatalog());
    const targets = quarantineTargets(f, prover, [carol]);
    assert.deepEqual(targets.paths, []);
    const why = new Map(targets.refused.map((r) => [r.path, r.reason]));
    assert.match(why.get(join(carol, '.nvm', 'versions', 'node'))!, /not an install location the catalog names for claude-code in carol's home/);
    assert.match(why.get(join(carol, '.nvm', 'versions', 'node', 'v22.1.0'))!, /not an install location/);
    assert.match(why.get(join(carol, '.pyenv', 'versions'))!, /'versions' is a shared folder/);
    assert.match(why.get(carol)!, /a home folder/);
    assert.match(why.get(join(t.root, 'home'))!, /too close to the file-system root/);
    assert.match(why.get(notHers)!, /is owned by uid 65533, not by carol \(uid 65534\)/);
    await enforceDecisions([decision(f, 'quarantine')], { schema_version: 1, scanned_at: new Date().toISOString(), duration_ms: 1, root: t.root, catalog_version: 't', host: { hostname: 'h', os: { platform: 'linux', distro: 'd', release: '1', arch: 'x64' }, serial: null, users: ['carol'] }, findings: [f], skipped: [] }, {
      stateDir: t.state,
      root: t.root,
      os: 'linux',
      bundleRevision: 'r',
    });
    assert.deepEqual(diffTrees(before, describeTree(t.root)), []);
    assert.equal(readEvents(enforceState(t.state).outbox).filter((e) => e.result === 'refused').length, 6);
  } finally {
    t.cleanup();
  }
});

/** carol's native install, proven; then the attack swaps its parent for a symlink to a system folder. */
function swapSetup(t: ReturnType<typeof tempRoot>): { real: string; file: string; parked: string; pg: string } {
  const versions = join(t.root, 'home', 'carol', '.local', 'share', 'claude', 'versions');
  const file = join(versions, '16');
  put(file, 'carol native claude 16\n', CAROL);
  own(join(t.root, 'home', 'carol'), versions, CAROL);
  const pg = systemFolder(t.dir);
  return { real: versions, file, parked: `${versions}.parked`, pg };
}

test('a parent swapped for a symlink after the check: the vault re-checks and moves nothing', { skip: needsRoot }, async () => {
  const t = tempRoot('swap');
  try {
    const s = swapSetup(t);
    const prover = new InstallProver(t.root, 'linux', loadCatalog());
    const f = claudeFinding('carol', 'native', [{ signal: 'binary', path: s.file, strong: true, version: '16' }]);
    const targets = quarantineTargets(f, prover, []);
    assert.deepEqual(targets.paths, [s.file], 'proven while the folder was real');
    const pgBefore = describeTree(s.pg);
    // The swap, between the proof and the move.
    renameSync(s.real, s.parked);
    symlinkSync(s.pg, s.real);
    const state = enforceState(t.state);
    assert.throws(
      () => quarantine(state, { tool: 'claude-code', toolName: 'Claude Code', finding: 'claude-code:native:carol', decision: decision(f, 'quarantine'), bundleRevision: 'r', paths: targets.paths, commands: [], root: t.root }),
      (e: unknown) => e instanceof QuarantineError && /versions' is a symbolic link/.test(e.message),
    );
    assert.deepEqual(diffTrees(pgBefore, describeTree(s.pg)), []);
    assert.deepEqual(listQuarantine(state), []);
    assert.ok(existsSync(join(s.parked, '16')));
  } finally {
    t.cleanup();
  }
});

test('a parent swapped for a symlink after it was opened: the move still acts in the folder that was checked', { skip: (!FD_ANCHORED && 'needs /proc/self/fd') || needsRoot }, () => {
  const t = tempRoot('swap-open');
  try {
    const s = swapSetup(t);
    const pgBefore = describeTree(s.pg);
    const { dir, name } = openParent(t.root, s.file, { owners: new Set([0, CAROL]) });
    try {
      renameSync(s.real, s.parked); // the swap, after the parent was opened and checked
      symlinkSync(s.pg, s.real);
      mkdirSync(join(t.dir, 'vault'));
      renameSync(dir.at(name), join(t.dir, 'vault', 'item'));
    } finally {
      dir.close();
    }
    assert.deepEqual(diffTrees(pgBefore, describeTree(s.pg)), [], "postgres's 16 did not move");
    assert.equal(lstatSync(join(t.dir, 'vault', 'item')).uid, CAROL, "carol's file moved");
    assert.ok(!existsSync(join(s.parked, '16')));
  } finally {
    t.cleanup();
  }
});

test('a restore refused part-way by a swapped parent is resumed by the next restore, without a restart', { skip: needsRoot }, () => {
  const t = tempRoot('swap-restore');
  try {
    const s = swapSetup(t);
    const pgBefore = describeTree(s.pg);
    const carolBefore = describeTree(s.real);
    const state = enforceState(t.state);
    const f = claudeFinding('carol', 'native', [{ signal: 'binary', path: s.file, strong: true }]);
    const m = quarantine(state, { tool: 'claude-code', toolName: 'Claude Code', finding: 'claude-code:native:carol', decision: decision(f, 'quarantine'), bundleRevision: 'r', paths: [s.file], commands: [], root: t.root });
    // What a restore refused after writing its journal leaves (versions swapped for a link between
    // the restore's check and its move — the state the racing test below hits only under load).
    writeFileSync(join(state.journal, `${m.id}.json`), JSON.stringify({ op: 'restore', id: m.id, time: new Date().toISOString() }));
    renameSync(s.real, s.parked);
    symlinkSync(s.pg, s.real);
    assert.throws(
      () => restore(state, m.id),
      (e: unknown) => e instanceof QuarantineError && /versions' is a symbolic link/.test(e.message),
    );
    assert.deepEqual(diffTrees(pgBefore, describeTree(s.pg)), [], 'the system folder is untouched');
    assert.ok(existsSync(join(state.vault, m.id, 'items', '0')), 'the item stays in the vault');
    // carol's folder is back: the same call now finishes the restore.
    unlinkSync(s.real);
    renameSync(s.parked, s.real);
    assert.deepEqual(restore(state, m.id).problems, []);
    assert.deepEqual(diffTrees(carolBefore, describeTree(s.real)), []);
    assert.deepEqual(readdirSync(state.vault), []);
    assert.deepEqual(readdirSync(state.journal), []);
    // An unfinished quarantine is different: only recovery at start may roll it back.
    const m2 = quarantine(state, { tool: 'claude-code', toolName: 'Claude Code', finding: 'claude-code:native:carol', decision: decision(f, 'quarantine'), bundleRevision: 'r', paths: [s.file], commands: [], root: t.root });
    writeFileSync(join(state.journal, `${m2.id}.json`), JSON.stringify({ op: 'quarantine', id: m2.id, time: new Date().toISOString() }));
    assert.throws(
      () => restore(state, m2.id),
      (e: unknown) => e instanceof QuarantineError && /unfinished operation; restart the agent/.test(e.message),
    );
  } finally {
    t.cleanup();
  }
});

test("a restore whose parent folder was removed makes it again as the item's owner, chowned before it appears", { skip: needsRoot }, () => {
  const t = tempRoot('restore-remade');
  try {
    const s = swapSetup(t);
    const carolBefore = describeTree(s.real);
    const state = enforceState(t.state);
    const f = claudeFinding('carol', 'native', [{ signal: 'binary', path: s.file, strong: true }]);
    const m = quarantine(state, { tool: 'claude-code', toolName: 'Claude Code', finding: 'claude-code:native:carol', decision: decision(f, 'quarantine'), bundleRevision: 'r', paths: [s.file], commands: [], root: t.root });
    rmdirSync(s.real); // carol removed her (now empty) versions folder
    assert.deepEqual(restore(state, m.id).problems, []);
    assert.deepEqual(diffTrees(carolBefore, describeTree(s.real)), [], 'versions is carol’s again, mode 755, with 16 in it');
    assert.deepEqual(readdirSync(dirname(s.real)).sort(), ['versions'], 'no temporary folder left beside it');
  } finally {
    t.cleanup();
  }
});

test('racing symlink swaps during quarantine and restore never move or touch the system folder', { skip: needsRoot, timeout: 120_000 }, async () => {
  const t = tempRoot('swap-race');
  try {
    const s = swapSetup(t);
    const link = `${s.real}.link`;
    symlinkSync(s.pg, link);
    const pgBefore = describeTree(s.pg);
    const carolBefore = describeTree(s.real);
    chmodSync(t.dir, 0o755); // carol must reach her own home to race
    chmodSync(t.root, 0o755);
    // The attacker: flips versions between the real folder and the link as fast as it can.
    const racer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const [real, parked, link] = process.argv.slice(1);
         for (;;) { try { fs.renameSync(real, parked); fs.renameSync(link, real); fs.renameSync(real, link); fs.renameSync(parked, real); } catch {} }`,
        s.real,
        s.parked,
        link,
      ],
      { stdio: 'ignore', uid: CAROL, gid: CAROL },
    );
    const state = enforceState(t.state);
    const f = claudeFinding('carol', 'native', [{ signal: 'binary', path: s.file, strong: true }]);
    let moved = 0;
    let refused = 0;
    let restoreRefusals = 0;
    let resumed = 0;
    const t0 = Date.now();
    try {
      while ((moved < 3 || refused < 3) && Date.now() - t0 < 60_000) {
        let m: ReturnType<typeof quarantine>;
        try {
          m = quarantine(state, { tool: 'claude-code', toolName: 'Claude Code', finding: 'claude-code:native:carol', decision: decision(f, 'quarantine'), bundleRevision: 'r', paths: [s.file], commands: [], root: t.root });
        } catch (e) {
          if (!(e instanceof QuarantineError)) throw e;
          refused++;
          await new Promise((r) => setImmediate(r));
          continue;
        }
        moved++;
        // Put it back. The restore re-checks the way too and is refused while the link is in place —
        // before it starts, or part-way after its journal was written (then the next call resumes it).
        // Either way it must get there: a restore that never completes fails the test (it is not a
        // refused quarantine).
        for (const r0 = Date.now(); ; ) {
          try {
            restore(state, m.id);
            break;
          } catch (e) {
            if (!(e instanceof QuarantineError) || Date.now() - r0 > 30_000) throw e;
            restoreRefusals++;
            if (existsSync(join(state.journal, `${m.id}.json`))) resumed++;
          }
        }
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      racer.kill('SIGKILL');
      await new Promise((r) => racer.once('exit', r));
    }
    // Put the real folder back where it belongs, whatever state the racer stopped in.
    if (lstatSync(s.real, { throwIfNoEntry: false })?.isSymbolicLink()) renameSync(s.real, link);
    if (!existsSync(s.real)) renameSync(s.parked, s.real);
    process.stdout.write(`# racing swaps: ${moved} quarantines went through on carol's real folder, ${refused} were refused; restores refused ${restoreRefusals} times (${resumed} part-way, resumed)\n`);
    assert.ok(moved >= 1 && refused >= 1, `both outcomes seen (moved ${moved}, refused ${refused})`);
    assert.deepEqual(diffTrees(pgBefore, describeTree(s.pg)), [], 'the system folder is byte-identical');
    assert.deepEqual(readdirSync(s.pg), ['16']);
    assert.deepEqual(listQuarantine(state), []);
    // listQuarantine hides entries with a journal: check the vault and journal themselves are empty.
    assert.deepEqual(readdirSync(state.vault), [], 'nothing left in the vault');
    assert.deepEqual(readdirSync(state.journal), [], 'no unfinished operation');
    assert.deepEqual(diffTrees(carolBefore, describeTree(s.real)), [], "carol's install is back as it was");
  } finally {
    t.cleanup();
  }
});
