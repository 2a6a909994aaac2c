// The macOS and Windows process sources parse their OS's own listing: these outputs are in the exact
// formats those commands print (fixtures/README.md says where each comes from). What matters: the
// executable comes from the OS (lsof's text file, Win32_Process.ExecutablePath), never from argv; start
// times are exact strings; a pid's user is kept; odd lines are skipped, not guessed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runningFiles } from '../../agent/src/process/attribute.ts';
import { executableOf, lstartToIso, parseLsof, parsePs, psFacts } from '../../agent/src/process/ps.ts';
import { endpointOfWindowsPath, parseCim, splitCommandLine } from '../../agent/src/process/win32.ts';

const fx = (name: string): string => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

function psJoin(ps: string, lsof: string): ReturnType<typeof psFacts>[] {
  const l = parseLsof(lsof);
  return parsePs(ps).map((r) => psFacts(r, l.get(r.pid)));
}

test('macOS ps + lsof: the executable is the text file the kernel named, not argv; helpers with spaces; zombies', () => {
  const procs = psJoin(fx('macos-ps.txt'), fx('macos-lsof.txt'));
  assert.equal(procs.length, 8);
  const by = new Map(procs.map((p) => [p.pid, p]));
  const cursor = by.get(612)!;
  assert.deepEqual({ exe: cursor.exe, uid: cursor.uid, ppid: cursor.ppid, start: cursor.start, cwd: cursor.cwd }, {
    exe: '/Applications/Cursor.app/Contents/MacOS/Cursor',
    uid: 501,
    ppid: 1,
    start: '2026-12-03T08:01:44Z',
    cwd: '/',
  });
  // The helper's name and path hold spaces and parentheses: the matching text file is picked, not dyld or the framework.
  assert.equal(by.get(640)!.exe, '/Applications/Cursor.app/Contents/Frameworks/Cursor Helper (Renderer).app/Contents/MacOS/Cursor Helper (Renderer)');
  // argv says it is Claude Code's cli.js; the kernel says /bin/sleep (exec -a). Only /bin/sleep counts.
  const spoof = by.get(1900)!;
  assert.equal(spoof.exe, '/bin/sleep');
  assert.deepEqual(runningFiles(spoof, null), [{ path: '/bin/sleep', via: 'exe' }]);
  // node is an interpreter: its script is looked for, but it does not exist on this machine → only the exe.
  assert.deepEqual(runningFiles(by.get(1802)!, null), [{ path: '/Users/alice/.nvm/versions/node/v22.11.0/bin/node', via: 'exe' }]);
  const zombie = by.get(1950)!;
  assert.equal(zombie.zombie, true);
  assert.equal(zombie.exe, null); // lsof lists nothing for a zombie
  assert.deepEqual(runningFiles(zombie, null), []);
  assert.equal(by.get(1)!.uid, 0);
});

test('Linux ps + lsof (recorded here): an exec -a process names a .app in argv, its exe is /usr/bin/sleep; a path with a space survives', () => {
  const procs = psJoin(fx('linux-ps.txt'), fx('linux-lsof.txt'));
  assert.equal(procs.length, 2);
  const [spoof, tool] = procs;
  assert.equal(spoof!.argv[0], '/Applications/Cursor.app/Contents/MacOS/Cursor');
  assert.equal(spoof!.exe, '/usr/bin/sleep');
  assert.equal(tool!.exe, '/tmp/platforms-x/opt/My Tool/tool');
  assert.equal(tool!.start, '2026-12-03T08:36:21Z');
  assert.equal(tool!.cwd, '/tmp/platforms-x');
});

test('ps lines that do not fit the layout are skipped; lstart outside the C-locale layout is refused', () => {
  assert.deepEqual(parsePs('  PID  PPID\ngarbage\n 12 1 0 S Thu Dez  3 08:00:00 2026 x\n'), []);
  assert.equal(lstartToIso('Thu', 'Dec', '3', '08:27:52', '2026'), '2026-12-03T08:27:52Z');
  assert.equal(lstartToIso('Thu', 'Dec', '3', '8:27', '2026'), null);
  // lsof: a deleted executable is no executable; no text file → null.
  assert.equal(executableOf({ command: 'x', txt: ['/opt/x (deleted)'], cwd: null }), null);
  assert.equal(executableOf({ command: '', txt: [], cwd: null }), null);
});

test('Windows Win32_Process JSON: ExecutablePath (not the command line) on the system drive becomes the endpoint path; UTF-8 BOM, escapes, nulls', () => {
  const procs = parseCim(fx('windows-cim.json'));
  assert.equal(procs.length, 8);
  const by = new Map(procs.map((p) => [p.pid, p]));
  assert.equal(by.get(0)!.exe, null);
  assert.equal(by.get(0)!.start, null);
  const cursor = by.get(9312)!;
  assert.deepEqual(
    { exe: cursor.exe, user: cursor.user, uid: cursor.uid, ppid: cursor.ppid, start: cursor.start, name: cursor.name },
    { exe: '/Users/alice/AppData/Local/Programs/cursor/Cursor.exe', user: 'CORP\\alice', uid: null, ppid: 5120, start: '2026-12-03T08:01:44.5123460Z', name: 'Cursor.exe' },
  );
  // node running npm's cli.js: the script argument is split the Windows way (quotes, \" escapes) and mapped to the endpoint path.
  const node = by.get(10448)!;
  assert.equal(node.exe, '/Program Files/nodejs/node.exe');
  assert.deepEqual(node.argv, ['C:\\Program Files\\nodejs\\node.exe', '/Users/alice/AppData/Roaming/npm/node_modules/@anthropic-ai/claude-code/cli.js', '--print', 'say "hi"']);
  // A command line naming Cursor.exe while the image is powershell.exe: the image is what runs.
  assert.equal(by.get(10996)!.exe, '/Windows/System32/WindowsPowerShell/v1.0/powershell.exe');
  assert.deepEqual(runningFiles(by.get(10996)!, null), [{ path: '/Windows/System32/WindowsPowerShell/v1.0/powershell.exe', via: 'exe' }]);
  // Another drive is never a catalog location (and the \u0026 escape is read).
  assert.equal(by.get(11200)!.exe, 'D:/Tools/R&D/tool.exe');
  assert.equal(by.get(1432)!.user, 'NT AUTHORITY\\LOCAL SERVICE');
  // One process (read before a kill) comes as an object, not an array.
  assert.deepEqual(parseCim(fx('windows-cim-one.json')).map((p) => p.pid), [9312]);
  assert.throws(() => parseCim('not json'), SyntaxError);
});

test('Windows paths and command lines: CommandLineToArgvW rules, UNC and other drives never look local', () => {
  assert.deepEqual(splitCommandLine('"C:\\a b\\p.exe" "a b c" d e'), ['C:\\a b\\p.exe', 'a b c', 'd', 'e']);
  assert.deepEqual(splitCommandLine('p.exe "ab\\"c" "\\\\" d'), ['p.exe', 'ab"c', '\\', 'd']);
  assert.deepEqual(splitCommandLine('p.exe a\\\\\\b d"e f"g h'), ['p.exe', 'a\\\\\\b', 'de fg', 'h']);
  assert.deepEqual(splitCommandLine('p.exe a\\\\\\"b c d'), ['p.exe', 'a\\"b', 'c', 'd']);
  assert.deepEqual(splitCommandLine('p.exe a\\\\\\\\"b c" d e'), ['p.exe', 'a\\\\b c', 'd', 'e']);
  assert.equal(endpointOfWindowsPath('C:\\Users\\alice\\x.exe'), '/Users/alice/x.exe');
  assert.equal(endpointOfWindowsPath('\\\\?\\C:\\Users\\alice\\x.exe'), '/Users/alice/x.exe');
  assert.equal(endpointOfWindowsPath('c:\\Users\\alice\\x.exe'), '/Users/alice/x.exe');
  assert.equal(endpointOfWindowsPath('E:\\Users\\alice\\x.exe'), 'E:/Users/alice/x.exe');
  assert.equal(endpointOfWindowsPath('\\\\Users\\alice\\AppData\\x.exe'), 'unc://Users/alice/AppData/x.exe');
});
