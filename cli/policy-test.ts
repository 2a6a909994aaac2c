// `warden policy test`: runs every test rule like `opa test`. A test is a rule named test_* (no
// arguments), passing when its value is true; todo_test_* rules are SKIPPED. A parameterized test
// (`test_x[k] if …`) is one test with a case per key, failing cases included (policy-test-cases.ts);
// a second test rule of the same name in a package is a test of its own, `test_x#01`, as in OPA;
// a multi-value test (`test_x contains k`) fails, as in OPA (its value is a set, not true). Files
// that do not compile are reported with their errors and left out, and the packages that do
// compile still run (a package that imports a broken one, or shares its package, is left out
// too). print() and trace() output is shown under a failing test and with -v. --timing prints the
// time per stage. Tests are compiled without binaryen's optimiser: a test run evaluates each plan
// a few times, so optimising costs more than it saves.

import { parseArgs } from 'node:util';
import { compile, formatDiagnosticWithCode, type Diagnostic, type SourceFile } from '../compiler/src/index.ts';
import { parseModule } from '../compiler/src/frontend.ts';
import { collect, errorText, HOST_BUILTIN_NAMES, loadData, readSources, UsageError } from './policy-files.ts';
import { caseResults, STARTED, startedCasesRule } from './policy-test-cases.ts';

/** At most this many errors are printed per file (like OPA's error limit). */
const ERROR_LIMIT = 10;

interface TestRule {
  /** Entrypoint `pkg/test_x`. */
  entrypoint: string;
  /** `data.pkg.test_x`. */
  name: string;
  file: string;
  row: number;
  /** boolean: passes when true; cases: `test_x[k] if …`, one case per key; set: a multi-value rule (fails). */
  kind: 'boolean' | 'cases' | 'set';
  /** Entrypoint of the companion rule listing the started cases (kind cases), when there is one. */
  started: string | null;
  /** todo_test_*: reported as SKIPPED, not evaluated. */
  skip: boolean;
}

interface Outcome {
  name: string;
  location: string;
  status: 'PASS' | 'FAIL' | 'ERROR' | 'SKIPPED';
  us: number;
  why: string;
  output: string[];
  /** The cases of a parameterized test (OPA's sub-results). */
  cases: { name: string; pass: boolean }[];
}

function out(s: string): void {
  process.stdout.write(s);
}
function err(s: string): void {
  process.stderr.write(s);
}

/** A companion rule (policy-test-cases.ts) appended to a file for a parameterized test. */
interface Companion {
  file: string;
  text: string;
  /** Its entrypoint (the test's `started`). */
  started: string;
}

/**
 * A later test rule of the same name in the same package: OPA's tester makes it a test of its own
 * named `test_x#01`, `test_x#02`, … (tester/runner.go rewriteDuplicateTestNames; the first keeps its
 * name). `#` cannot be in a Rego name, so the compiled source calls it `test_x__warden_dup01`.
 */
const DUPLICATE = '__warden_dup';

/** A rule head renamed in its file's source (a duplicate test). */
interface Rename {
  file: string;
  row: number;
  col: number;
  from: string;
  to: string;
}

/** The test rules of the modules, the companion rules to append (parameterized tests) and the duplicates to rename. */
function findTests(modules: SourceFile[]): { tests: TestRule[]; companions: Companion[]; renames: Rename[] } {
  const tests: TestRule[] = [];
  const companions: Companion[] = [];
  const renames: Rename[] = [];
  const seen = new Map<string, TestRule>();
  const count = new Map<string, number>();
  for (const m of modules) {
    const p = parseModule(m.source, m.file);
    if (!p.module) continue;
    const pkg = p.module.package.path.value.path.map((t) => (t.value.type === 'string' ? t.value.value : '')).join('/');
    for (const rule of p.module.rules) {
      const name = rule.head.name;
      const skip = name.startsWith('todo_test_');
      if ((!name.startsWith('test_') && !skip) || rule.head.args !== null) continue;
      // Numbered as OPA numbers them: by package and name, in file order.
      const n = skip ? 0 : count.get(`${pkg}/${name}`) ?? 0;
      if (!skip) count.set(`${pkg}/${name}`, n + 1);
      const suffix = n === 0 ? '' : String(n).padStart(2, '0');
      const internal = n === 0 ? name : `${name}${DUPLICATE}${suffix}`;
      if (n > 0) {
        const at = rule.head.ref[0]?.location ?? rule.head.location;
        renames.push({ file: m.file, row: at.row, col: at.col, from: name, to: internal });
      }
      const entrypoint = `${pkg}/${internal}`;
      const kind = rule.head.contains ? 'set' : rule.head.ref.length > 1 || rule.head.key !== null ? 'cases' : 'boolean';
      const companion = kind === 'cases' && !skip ? startedCasesRule(m.source, rule, internal) : null;
      if (companion !== null) companions.push({ file: m.file, text: companion, started: `${pkg}/${STARTED}${internal}` });
      // todo_test_x defined twice: one skipped test.
      if (seen.has(entrypoint)) continue;
      const t: TestRule = {
        entrypoint,
        name: `data.${pkg.replace(/\//g, '.')}.${name}${n === 0 ? '' : `#${suffix}`}`,
        file: m.file,
        row: rule.head.location.row,
        kind,
        started: companion !== null ? `${pkg}/${STARTED}${internal}` : null,
        skip,
      };
      seen.set(entrypoint, t);
      tests.push(t);
    }
  }
  return { tests, companions, renames };
}

/**
 * A compiler or runtime message as the user's files read: a renamed duplicate's name is shown as
 * OPA names it (`test_x#01`) and a column past it on its line is moved back to the original text.
 */
function originalText(text: string, renames: Rename[]): string {
  if (renames.length === 0) return text;
  const located = text.replace(/([^\s:]+):(\d+):(\d+)(?=:)/g, (all, file: string, row: string, col: string) => {
    let c = Number(col);
    for (const r of renames) {
      if (r.file === file && r.row === Number(row) && c >= r.col + r.to.length) c -= r.to.length - r.from.length;
    }
    return `${file}:${row}:${c}`;
  });
  return located.replace(new RegExp(`(\\w+)${DUPLICATE}(\\d+)`, 'g'), '$1#$2');
}

/** The modules with their duplicate test rules renamed (only the name at the head's start changes). */
function applyRenames(modules: SourceFile[], renames: Rename[]): SourceFile[] {
  return modules.map((m) => {
    const mine = renames.filter((r) => r.file === m.file);
    if (mine.length === 0) return m;
    const lines = m.source.split('\n');
    // Right to left within a line, so earlier columns stay valid.
    for (const r of [...mine].sort((a, b) => a.row - b.row || b.col - a.col)) {
      const line = lines[r.row - 1];
      if (line === undefined || line.slice(r.col - 1, r.col - 1 + r.from.length) !== r.from) {
        throw new Error(`${m.file}:${r.row}:${r.col}: cannot rename duplicate test ${r.from}`);
      }
      lines[r.row - 1] = line.slice(0, r.col - 1) + r.to + line.slice(r.col - 1 + r.from.length);
    }
    return { ...m, source: lines.join('\n') };
  });
}

/**
 * Compiles the modules, leaving out files with errors until the rest compiles (a file that
 * depends on a left-out one then fails in turn). Companion rules are appended to their files; one
 * that does not compile (its body prefix is not safe on its own) is dropped, not the file. Returns
 * the wasm, the files kept, every left-out file's errors and the companions kept.
 */
async function compileKeepGoing(
  modules: SourceFile[],
  companions: Companion[],
  entrypoints: (mods: SourceFile[], active: Set<Companion>) => string[],
  timing: Map<string, number>,
  builtinErrors: 'opa' | 'strict',
): Promise<{ wasm?: Uint8Array; kept: SourceFile[]; broken: Map<string, Diagnostic[]>; active: Set<Companion> }> {
  let kept = modules;
  const broken = new Map<string, Diagnostic[]>();
  const active = new Set(companions);
  const rowsOf = (text: string): number => text.split('\n').length - 1;
  for (;;) {
    // Each file with its active companions appended; the rows each companion occupies.
    const at: { c: Companion; from: number; to: number }[] = [];
    const sources = kept.map((m) => {
      let source = m.source;
      for (const c of companions) {
        if (c.file !== m.file || !active.has(c)) continue;
        const from = rowsOf(source) + 1;
        source += c.text;
        at.push({ c, from, to: rowsOf(source) + 1 });
      }
      return { file: m.file, source };
    });
    const t0 = performance.now();
    const r = await compile({ modules: sources, entrypoints: entrypoints(kept, active), optimize: 'none', print: true, builtinErrors, externalBuiltins: [...HOST_BUILTIN_NAMES] });
    timing.set('compile', (timing.get('compile') ?? 0) + performance.now() - t0);
    if (r.wasm) return { wasm: r.wasm, kept, broken, active };
    // An error inside a companion (past the file's own lines): drop that companion and try again.
    const failed = at.filter(({ c, from, to }) => r.diagnostics.some((d) => d.file === c.file && d.row > from && d.row <= to));
    if (failed.length > 0) {
      for (const { c } of failed) active.delete(c);
      continue;
    }
    const files = new Set(r.diagnostics.map((d) => d.file));
    for (const d of r.diagnostics) broken.set(d.file, [...(broken.get(d.file) ?? []), d]);
    // A module of a package that lost a file, or importing one, would test a partial package:
    // leave it out too.
    const lost = new Set(kept.filter((m) => files.has(m.file)).map(packageOf).filter((x): x is string => x !== null));
    for (const m of kept) {
      if (files.has(m.file)) continue;
      const own = packageOf(m);
      if (own !== null && lost.has(own)) {
        files.add(m.file);
        broken.set(m.file, [{ file: m.file, row: 1, col: 1, code: 'rego_compile_error', message: `package data.${own} did not compile in another file` }]);
        continue;
      }
      const dep = importsOf(m).find((i) => [...lost].some((p) => i === p || i.startsWith(`${p}.`) || p.startsWith(`${i}.`)));
      if (dep === undefined) continue;
      files.add(m.file);
      broken.set(m.file, [{ file: m.file, row: 1, col: 1, code: 'rego_compile_error', message: `imports data.${dep}, part of which did not compile` }]);
    }
    const next = kept.filter((m) => !files.has(m.file));
    // Errors outside the given files (e.g. in a generated query) or nothing left: stop.
    if (next.length === kept.length || next.length === 0) return { kept: next, broken, active };
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

export async function runTests(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { verbose: { type: 'boolean', short: 'v' }, timing: { type: 'boolean' }, 'strict-builtin-errors': { type: 'boolean' } },
  });
  if (positionals.length === 0) throw new UsageError('no test directory given');
  const timing = new Map<string, number>();
  let t0 = performance.now();
  const modules = readSources(collect(positionals, ['.rego']));
  const data = loadData(positionals);
  timing.set('read', performance.now() - t0);

  t0 = performance.now();
  const { tests: allTests, companions, renames } = findTests(modules);
  const sources = applyRenames(modules, renames);
  timing.set('discover', performance.now() - t0);
  const testsIn = (mods: SourceFile[]): TestRule[] => {
    const files = new Set(mods.map((m) => m.file));
    return allTests.filter((t) => files.has(t.file));
  };
  const r = await compileKeepGoing(
    sources,
    companions,
    (mods, active) => {
      const started = new Set([...active].map((c) => c.started));
      return testsIn(mods)
        .filter((t) => !t.skip)
        .flatMap((t) => (t.started !== null && started.has(t.started) ? [t.entrypoint, t.started] : [t.entrypoint]));
    },
    timing,
    values['strict-builtin-errors'] === true ? 'strict' : 'opa',
  );

  for (const [file, ds] of r.broken) {
    err(`${file}: not compiled, its tests did not run:\n`);
    for (const d of ds.slice(0, ERROR_LIMIT)) err(`  ${originalText(formatDiagnosticWithCode(d), renames)}\n`);
    if (ds.length > ERROR_LIMIT) err(`  … and ${ds.length - ERROR_LIMIT} more errors\n`);
  }
  const tests = r.wasm ? testsIn(r.kept) : [];
  const startedKept = new Set([...r.active].map((c) => c.started));
  const notRun = allTests.length - tests.length;

  const outcomes: Outcome[] = [];
  if (r.wasm) {
    t0 = performance.now();
    const { loadHostedPolicy } = await import('../agent/src/policy/host-builtins/index.ts');
    const policy = await loadHostedPolicy(r.wasm);
    policy.setData(data);
    timing.set('load', performance.now() - t0);
    t0 = performance.now();
    const log = console.log;
    /** Evaluates an entrypoint, collecting print()/trace() lines (the SDK's opa_println → console.log). */
    const run = (entrypoint: string): { rs: unknown; error?: string; output: string[] } => {
      const output: string[] = [];
      console.log = (...xs: unknown[]): void => {
        output.push(xs.map(String).join(' '));
      };
      try {
        return { rs: policy.evaluate(undefined, entrypoint), output };
      } catch (e) {
        return { rs: undefined, error: errorText(e), output };
      } finally {
        console.log = log;
      }
    };
    for (const t of tests) {
      const location = `${t.file}:${t.row}`;
      if (t.skip) {
        outcomes.push({ name: t.name, location, status: 'SKIPPED', us: 0, why: '', output: [], cases: [] });
        continue;
      }
      const start = process.hrtime.bigint();
      const res = run(t.entrypoint);
      const us = Number(process.hrtime.bigint() - start) / 1000;
      const base = { name: t.name, location, us, output: res.output, cases: [] };
      if (res.error !== undefined) {
        outcomes.push({ ...base, status: 'ERROR', why: originalText(res.error, renames) });
        continue;
      }
      const results = Array.isArray(res.rs) ? (res.rs as { result?: unknown }[]) : [];
      const value = results[0]?.result;
      if (t.kind === 'cases') {
        // The started cases (evaluated apart; their print output is the test's own, not repeated).
        const started = t.started !== null && startedKept.has(t.started) ? run(t.started) : null;
        const startedValue = Array.isArray(started?.rs) ? (started.rs as { result?: unknown }[])[0]?.result : undefined;
        const cases = caseResults(value, startedValue);
        outcomes.push({ ...base, status: cases.every((c) => c.pass) ? 'PASS' : 'FAIL', why: '', cases });
        continue;
      }
      if (results.length === 0) {
        outcomes.push({ ...base, status: 'FAIL', why: '' });
        continue;
      }
      const why = t.kind === 'set' ? 'a test must be true, and a multi-value (contains) rule is a set' : '';
      outcomes.push({ ...base, status: value === true ? 'PASS' : 'FAIL', why });
    }
    timing.set('evaluate', performance.now() - t0);
  }

  // Counted as OPA counts: each case of a parameterized test, otherwise each test.
  let pass = 0;
  let fail = 0;
  let errors = 0;
  let skipped = 0;
  for (const o of outcomes) {
    if (o.cases.length > 0) {
      for (const c of o.cases) {
        if (c.pass) pass++;
        else fail++;
      }
    } else if (o.status === 'PASS') pass++;
    else if (o.status === 'FAIL') fail++;
    else if (o.status === 'SKIPPED') skipped++;
    else errors++;
    if (o.status === 'PASS' && !values.verbose) continue;
    const took = o.status === 'SKIPPED' ? '' : ` (${o.us.toFixed(0)}µs)`;
    out(`${o.location}: ${o.name}: ${o.status}${took}${o.why ? `: ${o.why}` : ''}\n`);
    for (const c of o.cases) if (!c.pass || values.verbose) out(`  ${c.name}: ${c.pass ? 'PASS' : 'FAIL'}\n`);
    if (o.output.length > 0 && (o.status !== 'PASS' || values.verbose)) {
      out('\n');
      for (const line of o.output) out(`  ${line}\n`);
      out('\n');
    }
  }
  const total = pass + fail + errors + skipped;
  out(`${'-'.repeat(80)}\n`);
  out(`PASS: ${pass}/${total}\n`);
  if (fail) out(`FAIL: ${fail}/${total}\n`);
  if (skipped) out(`SKIPPED: ${skipped}/${total}\n`);
  if (errors) out(`ERROR: ${errors}/${total}\n`);
  if (r.broken.size) out(`NOT COMPILED: ${r.broken.size} file(s), ${notRun} test rule(s) not run\n`);
  if (values.timing) {
    for (const [stage, ms] of timing) out(`timing ${stage}: ${ms.toFixed(0)} ms\n`);
  }
  if (total === 0) return r.broken.size ? 1 : 2;
  return fail === 0 && errors === 0 && r.broken.size === 0 ? 0 : 1;
}
