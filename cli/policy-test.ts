// `warden policy test`: runs every test rule like `opa test`. A test is a rule named test_* (no
// arguments); a parameterized test (`test_x[k] if …`, `test_x contains k if …`) is one test per
// key it produces. Files that do not compile are reported with their errors and left out, and
// the packages that do compile still run (a package that imports a broken one is left out too).
// print() and trace() output is shown under a failing test and with -v. --timing prints the time
// per stage. Tests are compiled without binaryen's optimiser: a test run evaluates each plan a few
// times, so optimising costs more than it saves.

import { parseArgs } from 'node:util';
import { compile, formatDiagnosticWithCode, type Diagnostic, type SourceFile } from '../compiler/src/index.ts';
import { parseModule } from '../compiler/src/frontend.ts';
import { collect, errorText, HOST_BUILTIN_NAMES, HOST_BUILTINS, loadData, readSources, UsageError } from './policy-files.ts';

/** At most this many errors are printed per file (like OPA's error limit). */
const ERROR_LIMIT = 10;

interface TestRule {
  /** Entrypoint `pkg/test_x`. */
  entrypoint: string;
  /** `data.pkg.test_x`. */
  name: string;
  file: string;
  row: number;
  /** Parameterized: the rule builds an object or set of cases. */
  parameterized: boolean;
}

interface Outcome {
  name: string;
  location: string;
  status: 'PASS' | 'FAIL' | 'ERROR';
  us: number;
  why: string;
  output: string[];
}

function out(s: string): void {
  process.stdout.write(s);
}
function err(s: string): void {
  process.stderr.write(s);
}

function findTests(modules: SourceFile[]): TestRule[] {
  const tests: TestRule[] = [];
  const seen = new Set<string>();
  for (const m of modules) {
    const p = parseModule(m.source, m.file);
    if (!p.module) continue;
    const pkg = p.module.package.path.value.path.map((t) => (t.value.type === 'string' ? t.value.value : '')).join('/');
    for (const rule of p.module.rules) {
      const name = rule.head.name;
      if (!name.startsWith('test_') || rule.head.args !== null) continue;
      const parameterized = rule.head.ref.length > 1 || rule.head.contains || rule.head.key !== null;
      const entrypoint = `${pkg}/${name}`;
      if (seen.has(entrypoint)) continue;
      seen.add(entrypoint);
      tests.push({ entrypoint, name: `data.${pkg.replace(/\//g, '.')}.${name}`, file: m.file, row: rule.head.location.row, parameterized });
    }
  }
  return tests;
}

/**
 * Compiles the modules, leaving out files with errors until the rest compiles (a file that
 * depends on a left-out one then fails in turn). Returns the wasm and every left-out file's errors.
 */
async function compileKeepGoing(
  modules: SourceFile[],
  entrypoints: (mods: SourceFile[]) => string[],
  timing: Map<string, number>,
): Promise<{ wasm?: Uint8Array; kept: SourceFile[]; broken: Map<string, Diagnostic[]> }> {
  let kept = modules;
  const broken = new Map<string, Diagnostic[]>();
  for (;;) {
    const t0 = performance.now();
    const r = await compile({ modules: kept, entrypoints: entrypoints(kept), optimize: 'none', print: true, externalBuiltins: [...HOST_BUILTIN_NAMES] });
    timing.set('compile', (timing.get('compile') ?? 0) + performance.now() - t0);
    if (r.wasm) return { wasm: r.wasm, kept, broken };
    const files = new Set(r.diagnostics.map((d) => d.file));
    for (const d of r.diagnostics) broken.set(d.file, [...(broken.get(d.file) ?? []), d]);
    // A module importing a package that lost a file would test a partial package: leave it out too.
    const lost = new Set(kept.filter((m) => files.has(m.file)).map(packageOf).filter((x): x is string => x !== null));
    for (const m of kept) {
      if (files.has(m.file)) continue;
      const dep = importsOf(m).find((i) => [...lost].some((p) => i === p || i.startsWith(`${p}.`) || p.startsWith(`${i}.`)));
      if (dep === undefined) continue;
      files.add(m.file);
      broken.set(m.file, [{ file: m.file, row: 1, col: 1, code: 'rego_compile_error', message: `imports data.${dep}, part of which did not compile` }]);
    }
    const next = kept.filter((m) => !files.has(m.file));
    // Errors outside the given files (e.g. in a generated query) or nothing left: stop.
    if (next.length === kept.length || next.length === 0) return { kept: next, broken };
    kept = next;
  }
}

/** Dotted package path of a module (without data.), or null if it does not parse. */
function packageOf(m: SourceFile): string | null {
  const p = parseModule(m.source, m.file).module;
  if (p) return p.package.path.value.path.map((t) => (t.value.type === 'string' ? t.value.value : '')).join('.');
  const found = /^\s*package\s+([\w.]+)/m.exec(m.source);
  return found ? found[1]! : null;
}

/** Dotted paths (without data.) of a module's `import data.…` statements. */
function importsOf(m: SourceFile): string[] {
  const p = parseModule(m.source, m.file).module;
  if (!p) return [];
  return p.imports
    .filter((i) => i.path.value.head.value.type === 'var' && i.path.value.head.value.name === 'data')
    .map((i) => i.path.value.path.map((t) => (t.value.type === 'string' ? t.value.value : '')).join('.'));
}

function caseResults(t: TestRule, result: unknown): { key: string; pass: boolean }[] {
  if (!t.parameterized) return [{ key: '', pass: result === true }];
  if (Array.isArray(result)) return result.map((k) => ({ key: `[${JSON.stringify(k)}]`, pass: true }));
  if (result && typeof result === 'object') {
    return Object.entries(result as Record<string, unknown>).map(([k, v]) => ({ key: `[${JSON.stringify(k)}]`, pass: v === true }));
  }
  return [{ key: '', pass: false }];
}

export async function runTests(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { verbose: { type: 'boolean', short: 'v' }, timing: { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new UsageError('no test directory given');
  const timing = new Map<string, number>();
  let t0 = performance.now();
  const modules = readSources(collect(positionals, ['.rego']));
  const data = loadData(positionals);
  timing.set('read', performance.now() - t0);

  t0 = performance.now();
  const allTests = findTests(modules);
  timing.set('discover', performance.now() - t0);
  const testsIn = (mods: SourceFile[]): TestRule[] => {
    const files = new Set(mods.map((m) => m.file));
    return allTests.filter((t) => files.has(t.file));
  };
  const r = await compileKeepGoing(modules, (mods) => testsIn(mods).map((t) => t.entrypoint), timing);

  for (const [file, ds] of r.broken) {
    err(`${file}: not compiled, its tests did not run:\n`);
    for (const d of ds.slice(0, ERROR_LIMIT)) err(`  ${formatDiagnosticWithCode(d)}\n`);
    if (ds.length > ERROR_LIMIT) err(`  … and ${ds.length - ERROR_LIMIT} more errors\n`);
  }
  const tests = r.wasm ? testsIn(r.kept) : [];
  const skipped = allTests.length - tests.length;

  const outcomes: Outcome[] = [];
  if (r.wasm) {
    t0 = performance.now();
    const { loadPolicy } = await import('@open-policy-agent/opa-wasm');
    const policy = await loadPolicy(r.wasm, undefined, HOST_BUILTINS);
    policy.setData(data);
    timing.set('load', performance.now() - t0);
    t0 = performance.now();
    const log = console.log;
    for (const t of tests) {
      const output: string[] = [];
      // print()/trace() lines arrive through the SDK's opa_println → console.log.
      console.log = (...xs: unknown[]): void => {
        output.push(xs.map(String).join(' '));
      };
      const start = process.hrtime.bigint();
      let rs: unknown;
      let error: string | undefined;
      try {
        rs = policy.evaluate(undefined, t.entrypoint);
      } catch (e) {
        error = errorText(e);
      } finally {
        console.log = log;
      }
      const us = Number(process.hrtime.bigint() - start) / 1000;
      const location = `${t.file}:${t.row}`;
      if (error !== undefined) {
        outcomes.push({ name: t.name, location, status: 'ERROR', us, why: error, output });
        continue;
      }
      const results = Array.isArray(rs) ? (rs as { result?: unknown }[]) : [];
      if (results.length === 0) {
        outcomes.push({ name: t.name, location, status: 'FAIL', us, why: t.parameterized ? 'no cases' : '', output });
        continue;
      }
      for (const c of caseResults(t, results[0]?.result)) {
        outcomes.push({ name: `${t.name}${c.key}`, location, status: c.pass ? 'PASS' : 'FAIL', us, why: '', output });
      }
    }
    timing.set('evaluate', performance.now() - t0);
  }

  let pass = 0;
  let fail = 0;
  let errors = 0;
  for (const o of outcomes) {
    if (o.status === 'PASS') pass++;
    else if (o.status === 'FAIL') fail++;
    else errors++;
    if (o.status === 'PASS' && !values.verbose) continue;
    out(`${o.location}: ${o.name}: ${o.status} (${o.us.toFixed(0)}µs)${o.why ? `: ${o.why}` : ''}\n`);
    if (o.output.length > 0 && (o.status !== 'PASS' || values.verbose)) for (const line of o.output) out(`  ${line}\n`);
  }
  const total = outcomes.length;
  out(`${'-'.repeat(80)}\n`);
  out(`PASS: ${pass}/${total}\n`);
  if (fail) out(`FAIL: ${fail}/${total}\n`);
  if (errors) out(`ERROR: ${errors}/${total}\n`);
  if (r.broken.size) out(`NOT COMPILED: ${r.broken.size} file(s), ${skipped} test rule(s) not run\n`);
  if (values.timing) {
    for (const [stage, ms] of timing) out(`timing ${stage}: ${ms.toFixed(0)} ms\n`);
  }
  if (total === 0) return r.broken.size ? 1 : 2;
  return fail === 0 && errors === 0 && r.broken.size === 0 ? 0 : 1;
}
