// `warden policy build|eval|test`: the compiler's command line, mirroring `opa build -t wasm`,
// `opa eval` and `opa test`. Errors print as `file:line:col: message` with a non-zero exit and
// never as a stack trace.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from './warden.ts';
import { buildBundle, compile, formatDiagnostic, type SourceFile } from '../compiler/src/index.ts';
import { parseModule } from '../compiler/src/frontend.ts';
import { VALUE_QUERY_VAR, valueQuery } from '../compiler/src/query.ts';

const USAGE = `usage:
  warden policy build -t wasm -e <entrypoint> [-e …] -o <bundle.tar.gz> [--data file.json] <file.rego | dir>…
  warden policy eval -d <file.rego | data.json | dir> [-d …] [-i input.json] <query>
  warden policy test <dir | file.rego>…
`;

class UsageError extends Error {}

function out(s: string): void {
  process.stdout.write(s);
}
function err(s: string): void {
  process.stderr.write(s);
}

/** Every .rego file (recursively, sorted) under the given files or directories. */
function collect(paths: string[], exts: string[]): string[] {
  const files: string[] = [];
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.')) continue;
        walk(join(p, name));
      }
    } else if (exts.includes(extname(p))) files.push(p);
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`${p}: no such file or directory`);
    walk(p);
  }
  return files;
}

function readSources(files: string[]): SourceFile[] {
  return files.map((file) => ({ file: relative(process.cwd(), file) || file, source: readFileSync(file, 'utf8') }));
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`${file}: cannot read ${what}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${file}: invalid JSON ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Deep-merges data documents (objects merge; anything else conflicts). */
function mergeData(a: Record<string, unknown>, b: unknown, file: string): Record<string, unknown> {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new UsageError(`${file}: data must be a JSON object`);
  for (const [k, v] of Object.entries(b)) {
    const cur = a[k];
    if (cur !== undefined && typeof cur === 'object' && cur !== null && !Array.isArray(cur) && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      a[k] = mergeData(cur as Record<string, unknown>, v, file);
    } else if (cur !== undefined) throw new UsageError(`${file}: data conflicts at key '${k}'`);
    else a[k] = v;
  }
  return a;
}

async function build(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      target: { type: 'string', short: 't', default: 'wasm' },
      entrypoint: { type: 'string', short: 'e', multiple: true },
      output: { type: 'string', short: 'o', default: 'bundle.tar.gz' },
      data: { type: 'string', multiple: true },
      revision: { type: 'string', short: 'r' },
    },
  });
  if (values.target !== 'wasm') throw new UsageError(`unsupported target '${values.target ?? ''}' (only wasm)`);
  const entrypoints = values.entrypoint ?? [];
  if (entrypoints.length === 0) throw new UsageError('at least one entrypoint (-e pkg/rule) is required');
  if (positionals.length === 0) throw new UsageError('no policy files given');
  const modules = readSources(collect(positionals, ['.rego']));
  if (modules.length === 0) throw new UsageError('no .rego files found');
  let data: Record<string, unknown> = {};
  for (const f of values.data ?? []) data = mergeData(data, readJson(f, 'data'), f);
  const r = await buildBundle({ modules, entrypoints, data, revision: values.revision });
  if (!r.bundle) {
    for (const d of r.diagnostics) err(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  const output = values.output ?? 'bundle.tar.gz';
  writeFileSync(output, r.bundle);
  out(`wrote ${output} (${r.bundle.length} bytes; entrypoints: ${entrypoints.join(', ')})\n`);
  return 0;
}

async function evaluate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      data: { type: 'string', short: 'd', multiple: true },
      input: { type: 'string', short: 'i' },
    },
  });
  const query = positionals.join(' ').trim();
  if (!query) throw new UsageError('no query given');
  const paths = values.data ?? [];
  const modules = readSources(collect(paths, ['.rego']));
  let data: Record<string, unknown> = {};
  for (const f of collect(paths, ['.json'])) data = mergeData(data, readJson(f, 'data'), f);
  const input = values.input !== undefined ? readJson(values.input, 'input') : undefined;

  // A single expression reports its value (like opa eval's expressions); otherwise bindings.
  const vq = valueQuery(query);
  const r = await compile({ modules, entrypoints: [], queries: [{ name: 'eval', query: vq ?? query }] });
  if (!r.wasm) {
    for (const d of r.diagnostics) err(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  const { loadPolicy } = await import('@open-policy-agent/opa-wasm');
  const policy = await loadPolicy(r.wasm);
  policy.setData(data);
  // The SDK treats a falsy input as no input; such inputs are passed with `with input as`.
  let rs: unknown;
  if (input !== undefined && (input === false || input === 0 || input === '' || input === null)) {
    const again = await compile({ modules, entrypoints: [], queries: [{ name: 'eval', query: `${vq ?? query} with input as ${JSON.stringify(input)}` }] });
    if (!again.wasm) {
      for (const d of again.diagnostics) err(`${formatDiagnostic(d)}\n`);
      return 1;
    }
    const p2 = await loadPolicy(again.wasm);
    p2.setData(data);
    rs = p2.evaluate(undefined, 'eval');
  } else rs = policy.evaluate(input, 'eval');
  const results = (Array.isArray(rs) ? rs : []) as Record<string, unknown>[];
  // Shaped like `opa eval`: the expression's value (single-expression queries) and bindings.
  const shaped = results.map((b) => {
    const { [VALUE_QUERY_VAR]: value, ...bindings } = b;
    const r: Record<string, unknown> = {};
    if (vq) r.expressions = [{ value, text: query }];
    if (Object.keys(bindings).length > 0 || !vq) r.bindings = bindings;
    return r;
  });
  out(`${JSON.stringify(shaped.length > 0 ? { result: shaped } : {}, null, 2)}\n`);
  return 0;
}

async function runTests(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { verbose: { type: 'boolean', short: 'v' } } });
  if (positionals.length === 0) throw new UsageError('no test directory given');
  const files = collect(positionals, ['.rego']);
  const modules = readSources(files);
  let data: Record<string, unknown> = {};
  for (const f of collect(positionals, ['.json']).filter((f) => f.endsWith('data.json'))) data = mergeData(data, readJson(f, 'data'), f);

  // Find the test rules (name starts with test_) from the parsed packages.
  const tests: string[] = [];
  for (const m of modules) {
    const p = parseModule(m.source, m.file);
    if (!p.module) continue;
    const pkg = p.module.package.path.value.path.map((t) => (t.value.type === 'string' ? t.value.value : '')).join('/');
    for (const rule of p.module.rules) {
      const name = rule.head.name;
      if (name.startsWith('test_') && rule.head.args === null && rule.head.ref.length === 1) {
        const ep = `${pkg}/${name}`;
        if (!tests.includes(ep)) tests.push(ep);
      }
    }
  }
  const r = await compile({ modules, entrypoints: tests });
  if (!r.wasm) {
    for (const d of r.diagnostics) err(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  const { loadPolicy } = await import('@open-policy-agent/opa-wasm');
  const policy = await loadPolicy(r.wasm);
  policy.setData(data);
  let pass = 0;
  let fail = 0;
  for (const ep of tests) {
    const name = `data.${ep.replace(/\//g, '.')}`;
    const t0 = process.hrtime.bigint();
    let status: 'PASS' | 'FAIL' | 'ERROR';
    let why = '';
    try {
      const rs = policy.evaluate(undefined, ep) as { result?: unknown }[];
      status = Array.isArray(rs) && rs.length > 0 && rs.every((x) => x.result === true) ? 'PASS' : 'FAIL';
    } catch (e) {
      status = 'ERROR';
      why = `: ${typeof e === 'string' ? e : e instanceof Error ? e.message : String(e)}`;
    }
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    if (status === 'PASS') pass++;
    else fail++;
    if (status !== 'PASS' || values.verbose) out(`${name}: ${status} (${us.toFixed(0)}µs)${why}\n`);
  }
  out(`${'-'.repeat(80)}\n`);
  if (fail === 0) out(`PASS: ${pass}/${tests.length}\n`);
  else out(`PASS: ${pass}/${tests.length}\nFAIL: ${fail}/${tests.length}\n`);
  return fail === 0 && tests.length > 0 ? 0 : tests.length === 0 ? 2 : 1;
}

const policyCommand: Command = async (args) => {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'build':
        return await build(rest);
      case 'eval':
        return await evaluate(rest);
      case 'test':
        return await runTests(rest);
      case undefined:
      case '-h':
      case '--help':
        out(USAGE);
        return sub ? 0 : 2;
      default:
        throw new UsageError(`unknown subcommand '${sub}'`);
    }
  } catch (e) {
    // parseArgs and our own usage errors: one line, no stack trace.
    if (e instanceof UsageError || (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      err(`warden policy: ${e.message}\n${USAGE}`);
      return 2;
    }
    err(`warden policy: ${typeof e === 'string' ? e : e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
};

export default policyCommand;
