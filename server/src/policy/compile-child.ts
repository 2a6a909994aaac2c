// The policy compiler as a short-lived child process (spawned by compile-process.ts): reads
// { modules, entrypoints } as JSON on stdin, writes policy.wasm to stdout and exits. The serving
// process never loads the compiler or binaryen (hundreds of MB resident once loaded); this process
// holds them for one build and its memory goes back to the system when it exits.
//   exit 0: stdout = the wasm; last stderr line = `compile-stats {"ms":…,"max_rss_kb":…}`
//   exit 1: the policy does not compile; stderr = the first diagnostics, one per line
//   exit 2: bad request or internal error; stderr says which
import { HOST_BUILTIN_NAMES } from '../../../agent/src/policy/host-builtins/names.ts';
import { compile, formatDiagnostic } from '../../../compiler/src/index.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  const t0 = performance.now();
  let req: { modules?: unknown; entrypoints?: unknown };
  try {
    req = JSON.parse(await readStdin()) as typeof req;
  } catch (e) {
    process.stderr.write(`compile request is not JSON: ${(e as Error).message}\n`);
    return 2;
  }
  const modules = req.modules;
  const entrypoints = req.entrypoints;
  const okModules = Array.isArray(modules) && modules.every((m) => typeof (m as { file?: unknown }).file === 'string' && typeof (m as { source?: unknown }).source === 'string');
  const okEntrypoints = Array.isArray(entrypoints) && entrypoints.every((e) => typeof e === 'string');
  if (!okModules || !okEntrypoints) {
    process.stderr.write('compile request needs modules [{file, source}] and entrypoints [string]\n');
    return 2;
  }
  const out = await compile({ modules: modules as { file: string; source: string }[], entrypoints: entrypoints as string[], externalBuiltins: [...HOST_BUILTIN_NAMES] });
  if (!out.wasm || out.diagnostics.length > 0) {
    process.stderr.write(`${out.diagnostics.slice(0, 5).map(formatDiagnostic).join('\n')}\n`);
    return 1;
  }
  await new Promise<void>((resolve, reject) => process.stdout.write(out.wasm as Uint8Array, (e) => (e ? reject(e) : resolve())));
  process.stderr.write(`compile-stats ${JSON.stringify({ ms: Math.round(performance.now() - t0), max_rss_kb: process.resourceUsage().maxRSS })}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`compiler failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
