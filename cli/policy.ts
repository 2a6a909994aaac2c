// `warden policy build|eval|test`: the compiler's command line, mirroring `opa build -t wasm`,
// `opa eval` and `opa test`. Errors print as `file:line:col: message` with a non-zero exit and
// never as a stack trace.

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from './warden.ts';
import { buildBundle, compile, formatDiagnosticWithCode, type Diagnostic } from '../compiler/src/index.ts';
import { VALUE_QUERY_VAR, valueQuery } from '../compiler/src/query.ts';
import { collect, errorText, HOST_BUILTIN_NAMES, mergeData, readDocument, readSources, UsageError } from './policy-files.ts';
import { runTests } from './policy-test.ts';

const USAGE = `usage:
  warden policy build -t wasm -e <entrypoint> [-e …] -o <bundle.tar.gz> [--data file.json] <file.rego | dir>…
  warden policy eval -d <file.rego | data.json | dir> [-d …] [-i input.json] [--strict-builtin-errors] <query>
  warden policy test [-v] [--timing] [--strict-builtin-errors] <dir | file.rego>…
`;

function out(s: string): void {
  process.stdout.write(s);
}
function err(s: string): void {
  process.stderr.write(s);
}

function printDiagnostics(ds: Diagnostic[]): void {
  for (const d of ds.slice(0, 10)) err(`${formatDiagnosticWithCode(d)}\n`);
  if (ds.length > 10) err(`… and ${ds.length - 10} more errors\n`);
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
  for (const f of values.data ?? []) data = mergeData(data, readDocument(f, 'data'), f);
  const r = await buildBundle({ modules, entrypoints, data, revision: values.revision });
  if (!r.bundle) {
    printDiagnostics(r.diagnostics);
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
      // Like opa eval's: a builtin's error fails the evaluation, located at its call, instead of making it undefined.
      'strict-builtin-errors': { type: 'boolean' },
    },
  });
  const query = positionals.join(' ').trim();
  if (!query) throw new UsageError('no query given');
  const paths = values.data ?? [];
  const modules = readSources(collect(paths, ['.rego']));
  let data: Record<string, unknown> = {};
  for (const f of collect(paths, ['.json'])) data = mergeData(data, readDocument(f, 'data'), f);
  const input = values.input !== undefined ? readDocument(values.input, 'input') : undefined;

  // A single expression reports its value (like opa eval's expressions); otherwise bindings.
  const vq = valueQuery(query);
  const host = {
    externalBuiltins: [...HOST_BUILTIN_NAMES],
    print: true,
    builtinErrors: values['strict-builtin-errors'] === true ? 'strict' as const : 'opa' as const,
  };
  const r = await compile({ modules, entrypoints: [], queries: [{ name: 'eval', query: vq ?? query }], ...host });
  if (!r.wasm) {
    printDiagnostics(r.diagnostics);
    return 1;
  }
  const { loadHostedPolicy } = await import('../agent/src/policy/host-builtins/index.ts');
  // print() output goes to stderr so that stdout stays the JSON result.
  console.log = (...xs: unknown[]): void => err(`${xs.map(String).join(' ')}\n`);
  const policy = await loadHostedPolicy(r.wasm);
  policy.setData(data);
  // The SDK treats a falsy input as no input; such inputs are passed with `with input as`.
  let rs: unknown;
  if (input !== undefined && (input === false || input === 0 || input === '' || input === null)) {
    const again = await compile({ modules, entrypoints: [], queries: [{ name: 'eval', query: `${vq ?? query} with input as ${JSON.stringify(input)}` }], ...host });
    if (!again.wasm) {
      printDiagnostics(again.diagnostics);
      return 1;
    }
    const p2 = await loadHostedPolicy(again.wasm);
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
    err(`warden policy: ${errorText(e)}\n`);
    return 1;
  }
};

export default policyCommand;
