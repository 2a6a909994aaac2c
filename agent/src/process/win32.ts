// Process facts on Windows, from the OS's process table (CIM Win32_Process), read by one PowerShell
// command. ExecutablePath is the image the kernel loaded (QueryFullProcessImageName), whatever the
// command line says; CreationDate the kernel's creation time (printed in UTC with 100 ns precision:
// with the pid it names one process); the owner comes from Get-Process -IncludeUserName (needs the
// administrator rights the service has). The command line is one string: it is split the way
// CommandLineToArgvW splits it, only to find an interpreter's script, which must then exist and lie
// in a proven install (attribute.ts). The parser is pure and tested against recorded outputs
// (test/process/fixtures/); PowerShell itself does not run here.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ProcFacts } from './types.ts';

/** One Win32_Process ($_) as the object the parser reads; $u maps pid → owner. Fields are ours, not Get-CimInstance's defaults. */
const ROW = [
  '[pscustomobject]@{',
  '  ProcessId = $_.ProcessId; ParentProcessId = $_.ParentProcessId; Name = $_.Name;',
  '  ExecutablePath = $_.ExecutablePath; CommandLine = $_.CommandLine;',
  "  CreationDate = if ($_.CreationDate) { $_.CreationDate.ToUniversalTime().ToString('o') } else { $null };",
  '  UserName = $u[[int]$_.ProcessId] }',
].join('\n');

const PREAMBLE = [
  "$ErrorActionPreference = 'SilentlyContinue'",
  '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8', // redirected output is otherwise the OEM code page
];

/** Lists every process (or one pid) as compressed JSON. */
export function cimScript(pid?: number): string {
  const filter = pid === undefined ? '' : ` -Filter "ProcessId=${Math.trunc(pid)}"`;
  const users = pid === undefined ? 'Get-Process -IncludeUserName' : `Get-Process -Id ${Math.trunc(pid)} -IncludeUserName`;
  return [
    ...PREAMBLE,
    '$u = @{}',
    `foreach ($p in ${users}) { $u[[int]$p.Id] = $p.UserName }`,
    `@(Get-CimInstance -ClassName Win32_Process${filter} | ForEach-Object { ${ROW} }) | ConvertTo-Json -Compress`,
  ].join('\n');
}

/**
 * Stays running and prints one compressed JSON line per process start (Win32_ProcessStartTrace, a
 * kernel trace event: nothing runs between starts), with that process's Win32_Process facts.
 */
export const START_EVENTS_SCRIPT = [
  ...PREAMBLE,
  'Register-CimIndicationEvent -ClassName Win32_ProcessStartTrace -SourceIdentifier warden.start | Out-Null',
  'while ($true) {',
  '  $e = Wait-Event -SourceIdentifier warden.start',
  '  if (-not $e) { continue }',
  '  Remove-Event -EventIdentifier $e.EventIdentifier',
  '  $id = [int]$e.SourceEventArgs.NewEvent.ProcessID',
  '  $u = @{}',
  '  foreach ($p in Get-Process -Id $id -IncludeUserName) { $u[[int]$p.Id] = $p.UserName }',
  `  Get-CimInstance -ClassName Win32_Process -Filter "ProcessId=$id" | ForEach-Object { [Console]::Out.WriteLine((${ROW} | ConvertTo-Json -Compress)) }`,
  '  [Console]::Out.Flush()',
  '}',
].join('\n');

/**
 * Splits a Windows command line as CommandLineToArgvW does: the program name ends at the closing quote
 * or the first blank; after it, 2n backslashes + quote → n backslashes and the quote toggles quoting,
 * 2n+1 backslashes + quote → n backslashes and a literal quote, "" inside quotes → a literal quote.
 */
export function splitCommandLine(cmd: string): string[] {
  const out: string[] = [];
  let i = 0;
  // argv[0]
  if (cmd[0] === '"') {
    const end = cmd.indexOf('"', 1);
    out.push(end < 0 ? cmd.slice(1) : cmd.slice(1, end));
    i = end < 0 ? cmd.length : end + 1;
  } else {
    while (i < cmd.length && cmd[i] !== ' ' && cmd[i] !== '\t') i++;
    out.push(cmd.slice(0, i));
  }
  for (;;) {
    while (i < cmd.length && (cmd[i] === ' ' || cmd[i] === '\t')) i++;
    if (i >= cmd.length) break;
    let arg = '';
    let quoted = false;
    while (i < cmd.length) {
      const c = cmd[i]!;
      if (c === '\\') {
        let n = 0;
        while (cmd[i] === '\\') {
          n++;
          i++;
        }
        if (cmd[i] === '"') {
          arg += '\\'.repeat(Math.floor(n / 2));
          if (n % 2 === 1) {
            arg += '"';
            i++;
          }
        } else arg += '\\'.repeat(n);
        continue;
      }
      if (c === '"') {
        if (quoted && cmd[i + 1] === '"') {
          arg += '"';
          i += 2;
          continue;
        }
        quoted = !quoted;
        i++;
        continue;
      }
      if (!quoted && (c === ' ' || c === '\t')) break;
      arg += c;
      i++;
    }
    out.push(arg);
  }
  return out;
}

/**
 * A Windows path as the agent's '/'-separated endpoint path: on the system drive `C:\Users\a` →
 * `/Users/a` (where the catalog's layouts are); on any other drive `D:/…` (never a catalog location).
 */
export function endpointOfWindowsPath(p: string, systemDrive = 'C:'): string {
  const long = p.replace(/^\\\\\?\\/, ''); // \\?\C:\… long-path form
  // A network path (\\server\share\…) is no place on this machine: kept in a form that never starts with '/'.
  if (/^[\\/]{2}/.test(long)) return `unc:${long.replace(/\\/g, '/')}`;
  const s = long.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  const m = /^([A-Za-z]:)(\/.*)?$/.exec(s);
  if (!m) return s;
  return m[1]!.toUpperCase() === systemDrive.toUpperCase() ? (m[2] ?? '/') : s;
}

interface CimRow {
  ProcessId?: unknown;
  ParentProcessId?: unknown;
  Name?: unknown;
  ExecutablePath?: unknown;
  CommandLine?: unknown;
  CreationDate?: unknown;
  UserName?: unknown;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Parses the output of cimScript(): a JSON array (or, for one process, a single object); BOM tolerated. */
export function parseCim(stdout: string, systemDrive = 'C:'): ProcFacts[] {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') return [];
  const v: unknown = JSON.parse(text);
  const rows = (Array.isArray(v) ? v : [v]) as CimRow[];
  const out: ProcFacts[] = [];
  for (const r of rows) {
    if (typeof r !== 'object' || r === null || typeof r.ProcessId !== 'number' || !Number.isInteger(r.ProcessId)) continue;
    const exe = str(r.ExecutablePath);
    const cmd = str(r.CommandLine);
    const start = str(r.CreationDate);
    out.push({
      pid: r.ProcessId,
      ppid: typeof r.ParentProcessId === 'number' ? r.ParentProcessId : null,
      start: start && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(start) ? start : null,
      uid: null,
      user: str(r.UserName),
      name: str(r.Name) ?? '',
      exe: exe ? endpointOfWindowsPath(exe, systemDrive) : null,
      argv: cmd ? splitCommandLine(cmd).map((a, i) => (i > 0 && /^[A-Za-z]:[\\/]/.test(a) ? endpointOfWindowsPath(a, systemDrive) : a)) : [],
      cwd: null, // Win32_Process has no working folder: a script given by relative path is not attributed
      namespace: null,
      zombie: false,
    });
  }
  return out;
}

const POWERSHELL_ARGS = ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command'];

/**
 * Starts the process-start event stream; `onStart` gets each new process's facts. A stream that ends
 * (PowerShell killed, no administrator rights) is started again after 10 s until the returned stop().
 */
export function watchStarts(onStart: (p: ProcFacts) => void): () => void {
  let stopped = false;
  let child: ChildProcess | null = null;
  let retry: NodeJS.Timeout | null = null;
  const begin = (): void => {
    child = spawn('powershell.exe', [...POWERSHELL_ARGS, START_EVENTS_SCRIPT], { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
    child.on('error', () => undefined);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        for (const p of parseCim(line, process.env.SystemDrive ?? 'C:')) onStart(p);
      } catch {
        // a line that is not one process's JSON: skipped, the poll still covers it
      }
    });
    child.on('exit', () => {
      child = null;
      if (!stopped) retry = setTimeout(begin, 10_000).unref();
    });
  };
  begin();
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    child?.kill();
  };
}

export function runCim(pid?: number): Promise<ProcFacts[]> {
  return new Promise((resolve, reject) => {
    execFile('powershell.exe', [...POWERSHELL_ARGS, cimScript(pid)], { maxBuffer: 64 * 1024 * 1024, timeout: 30_000, windowsHide: true }, (err, stdout) => {
      if (err) reject(new Error(`powershell Win32_Process listing failed: ${err.message}`));
      else {
        try {
          resolve(parseCim(stdout, process.env.SystemDrive ?? 'C:'));
        } catch (e) {
          reject(new Error(`powershell Win32_Process listing unreadable: ${(e as Error).message}`));
        }
      }
    });
  });
}
