#!/usr/bin/env node
// Bundles the agent (agent/src/cli.ts and everything it imports, node_modules included) into one
// plain-node ESM file, build/warden-agent.mjs, so endpoints run it without tsx: idle RSS drops from
// ~137 MB (tsx + TypeScript sources) to ~65 MB (figures: bench/inventory.ts, bench/agent-idle.ts).
// Also writes build/warden-agent.inputs.json (the bundled source files), which bin/warden-agent.js
// uses to fall back to the sources when one was edited after the build.
// Fails if the agent pulls in the compiler or binaryen: the agent only loads signed bundles.
// Usage: node scripts/build-agent.js [OUTFILE]   (default build/warden-agent.mjs)
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_AGENT_BUNDLE = join(REPO, 'build', 'warden-agent.mjs');
/** The resident daemon of `warden-agent run` (agent/src/sync/daemon.ts), always beside the full bundle. */
export const daemonBundleOf = (outfile) => join(dirname(outfile), 'warden-agentd.mjs');
/** graphql-js for the graphql.* builtins, written beside the bundles and loaded only when a policy calls one. */
export const GRAPHQL_SIDECAR = 'warden-graphql.cjs';

/**
 * What the daemon bundle must not hold: the cycle's libraries (they load in the short-lived cycle
 * child and leave with it) — each would add megabytes to the agent's idle RSS (issue 17).
 */
const DAEMON_FORBIDDEN = /(^|\/)node_modules\/(axios|ajv|ajv-formats|@open-policy-agent|systeminformation|node-cron|plist|bplist-parser|yaml|smol-toml|tar)\//;

/** What must never reach the agent: the Rego compiler and its WASM toolchain. */
const FORBIDDEN_INPUT = [/^compiler\//, /(^|\/)node_modules\/binaryen\//, /(^|\/)node_modules\/assemblyscript\//];

export class AgentBundleError extends Error {}

/** Inputs (repo-relative) that break the "agent never loads the compiler" rule, plus a 'binaryen' text hit. */
export function forbiddenContent(inputs, text) {
  const bad = inputs.filter((p) => FORBIDDEN_INPUT.some((re) => re.test(p)));
  if (/binaryen/i.test(text)) bad.push("the text 'binaryen'");
  return bad;
}

/**
 * Builds the agent bundle at `outfile` (written to a temp name, then renamed, so a running
 * `warden-agent` never imports a half-written file). Returns its size and bundled source inputs.
 */
export async function buildAgent(outfile = DEFAULT_AGENT_BUNDLE) {
  const full = await buildOne(outfile, "import { main } from './agent/src/cli.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n", []);
  // The daemon: `run` only; its cycles run the full bundle beside it (never a file found elsewhere).
  const daemonEntry = [
    "import { fileURLToPath } from 'node:url';",
    "import { runDaemon } from './agent/src/sync/daemon-command.ts';",
    "const [cmd, ...rest] = process.argv.slice(2);",
    "if (cmd !== 'run') { process.stderr.write('warden-agentd: only `run` (use warden-agent)\\n'); process.exitCode = 2; }",
    "else process.exitCode = await runDaemon(rest, fileURLToPath(new URL('./warden-agent.mjs', import.meta.url)));",
  ].join('\n');
  const daemon = await buildOne(daemonBundleOf(outfile), daemonEntry, [DAEMON_FORBIDDEN]);
  await buildGraphqlSidecar(join(dirname(outfile), GRAPHQL_SIDECAR));
  return { ...full, daemon };
}

/**
 * graphql-js as one CommonJS file. The agent bundles leave it out (its text would be held by every
 * cycle, used or not); agent/src/policy/host-builtins/graphql/lib.ts requires this file, named by
 * the WARDEN_GRAPHQL_SIDECAR define, on the first graphql.* call.
 */
async function buildGraphqlSidecar(outfile) {
  const esbuild = await import('esbuild');
  const tmp = `${outfile}.${process.pid}.tmp`;
  try {
    await esbuild.build({
      stdin: { contents: "module.exports = require('graphql');\n", resolveDir: REPO, sourcefile: 'warden-graphql-entry.js', loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: tmp,
      logLevel: 'warning',
      legalComments: 'none',
      minify: true,
    });
    renameSync(tmp, outfile);
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function buildOne(outfile, entry, forbidden) {
  const esbuild = await import('esbuild');
  mkdirSync(dirname(outfile), { recursive: true });
  const tmp = `${outfile}.${process.pid}.tmp`;
  try {
    const result = await esbuild.build({
      // The entry runs the CLI, so `node build/warden-agent.mjs scan …` works as well as bin/warden-agent.js.
      stdin: {
        contents: entry,
        resolveDir: REPO,
        sourcefile: 'warden-agent-entry.ts',
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: tmp,
      metafile: true,
      logLevel: 'warning',
      legalComments: 'none',
      minify: true, // -1.4 MB of source text held by V8: idle RSS 86.8 → 83.0 MB (bench/agent-idle.ts)
      keepNames: true, // class and function names stay readable in logged errors
      sourcemap: 'external', // build/warden-agent.mjs.map, for reading a logged stack trace; never loaded at run time
      // CommonJS packages inside an ESM bundle call require() for node builtins at run time.
      banner: { js: "import { createRequire as __wardenRequire } from 'node:module'; const require = __wardenRequire(import.meta.url);" },
      define: { WARDEN_GRAPHQL_SIDECAR: JSON.stringify(`./${GRAPHQL_SIDECAR}`) },
    });
    const inputs = Object.keys(result.metafile.inputs)
      .filter((p) => !p.startsWith('<'))
      .map((p) => relative(REPO, resolve(REPO, p)).split('\\').join('/'));
    const bad = [...forbiddenContent(inputs, readFileSync(tmp, 'utf8')), ...inputs.filter((p) => forbidden.some((re) => re.test(p)))];
    if (bad.length) throw new AgentBundleError(`agent bundle ${relative(REPO, outfile)} must not contain ${forbidden.length ? "the compiler, binaryen or the cycle's libraries" : 'the compiler or binaryen'}; found: ${bad.slice(0, 10).join(', ')}`);
    renameSync(tmp, outfile);
    renameSync(`${tmp}.map`, `${outfile}.map`);
    const sources = inputs.filter((p) => !p.includes('node_modules/'));
    writeFileSync(`${outfile.replace(/\.mjs$/, '')}.inputs.json`, JSON.stringify(sources, null, 1) + '\n');
    return { outfile, bytes: statSync(outfile).size, inputs, sources };
  } finally {
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.map`, { force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const r = await buildAgent(process.argv[2] ? resolve(process.argv[2]) : undefined);
    process.stdout.write(`agent bundle: ${relative(process.cwd(), r.outfile)} ${(r.bytes / 1024 / 1024).toFixed(2)} MB (${r.sources.length} agent/wire sources, ${r.inputs.length - r.sources.length} from node_modules; no compiler, no binaryen)\n`);
    const d = r.daemon;
    process.stdout.write(`agent daemon bundle: ${relative(process.cwd(), d.outfile)} ${(d.bytes / 1024).toFixed(0)} kB (${d.sources.length} agent/wire sources, ${d.inputs.length - d.sources.length} from node_modules; none of the cycle's libraries)\n`);
  } catch (e) {
    process.stderr.write(`build-agent: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
