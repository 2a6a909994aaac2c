// The conformance measure of the compiler: every case of ../shared/conformance/{regorus,opa} is
// compiled by warden, loaded in the unmodified opa-wasm SDK and evaluated. Prints the pass rate
// per folder and per corpus. A case expecting an error passes only with that error (OPA: its code
// and message; regorus: the OPA code of the problem its message names, see expect-error.ts).
// Known failures live in conformance-known-failures.json with each case's reason, checked in both
// directions: an unlisted failure fails the test, so does a listed case that now passes (remove
// it from the list), and so does a listed case failing for another reason than recorded. An OPA
// case whose expected result OPA has since changed upstream is compared with OPA's current one,
// listed with its source in conformance-upstream.json and named in the output.
//
// Environment: WARDEN_CONFORMANCE_FILTER=substr runs only matching case ids (no list check for
// the others); WARDEN_CONFORMANCE_WRITE=1 rewrites the list from this run (maintainers only).

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CORPUS_ROOT, loadOpa, loadRegorus, REPO_ROOT, type Case } from './conformance/corpus.ts';
import { runAll } from './conformance/pool.ts';
import type { Outcome } from './conformance/run-case.ts';

const LIST = join(REPO_ROOT, 'test/compiler/conformance-known-failures.json');

function readList(): Record<string, string> {
  if (!existsSync(LIST)) return {};
  return JSON.parse(readFileSync(LIST, 'utf8')) as Record<string, string>;
}

function pct(n: number, d: number): string {
  return d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`;
}

function report(cases: Case[], results: Map<string, Outcome>): string[] {
  const lines: string[] = [];
  for (const corpus of ['regorus', 'opa'] as const) {
    const folders = new Map<string, { pass: number; counted: number; inexpressible: number; skipped: number }>();
    const total = { pass: 0, counted: 0, inexpressible: 0, skipped: 0 };
    const errors = { pass: 0, counted: 0 };
    for (const c of cases) {
      if (c.corpus !== corpus) continue;
      const o = results.get(c.id);
      if (!o) continue;
      const f = folders.get(c.folder) ?? { pass: 0, counted: 0, inexpressible: 0, skipped: 0 };
      folders.set(c.folder, f);
      for (const x of [f, total]) {
        if (o.status === 'inexpressible') x.inexpressible++;
        else if (o.status === 'skipped') x.skipped++;
        else {
          x.counted++;
          if (o.status === 'pass') x.pass++;
        }
      }
      if (o.wantsError && (o.status === 'pass' || o.status === 'fail')) {
        errors.counted++;
        if (o.status === 'pass') errors.pass++;
      }
    }
    for (const [name, f] of [...folders.entries()].sort()) {
      lines.push(`${corpus}/${name}: ${f.pass}/${f.counted} (${pct(f.pass, f.counted)})${f.inexpressible ? `, ${f.inexpressible} inexpressible` : ''}${f.skipped ? `, ${f.skipped} marked skip` : ''}`);
    }
    lines.push(`TOTAL ${corpus}: ${total.pass}/${total.counted} passed (${pct(total.pass, total.counted)}); ${total.inexpressible} inexpressible; ${total.skipped} marked skip in the corpus; expected errors matched (${corpus === 'opa' ? 'code and message' : 'code of the same problem'}): ${errors.pass}/${errors.counted}`);
  }
  return lines;
}

test('conformance corpora compile and evaluate in the opa-wasm SDK', { timeout: 30 * 60_000 }, async (t) => {
  if (!existsSync(CORPUS_ROOT)) {
    t.skip(`corpus not found at ${CORPUS_ROOT}`);
    return;
  }
  const filter = process.env.WARDEN_CONFORMANCE_FILTER;
  const all = [...loadRegorus(), ...loadOpa()];
  const cases = filter ? all.filter((c) => c.id.includes(filter) || c.note.includes(filter)) : all;
  assert.ok(cases.length > 0, 'no conformance cases found');

  const workers = Number(process.env.WARDEN_CONFORMANCE_WORKERS ?? Math.min(2, availableParallelism()));
  const results = await runAll(cases, { workers, timeoutMs: 20_000 });

  const lines = report(cases, results);
  for (const l of lines) t.diagnostic(l);
  // Cases compared with OPA's current answer (test/compiler/conformance-upstream.json), named.
  for (const c of cases) if (c.upstream) t.diagnostic(`compared with OPA's current expected result: ${c.id} (${results.get(c.id)?.status ?? 'not run'}; ${c.upstream})`);
  for (const c of cases) {
    const o = results.get(c.id);
    if (o?.status === 'inexpressible') t.diagnostic(`inexpressible ${c.id}: ${o.detail ?? ''}`);
  }

  const failing = new Map<string, string>();
  for (const c of cases) {
    const o = results.get(c.id);
    if (o?.status === 'fail') failing.set(c.id, `${c.note}: ${o.detail ?? ''}`.slice(0, 200));
  }

  if (process.env.WARDEN_CONFORMANCE_WRITE === '1' && !filter) {
    writeFileSync(LIST, JSON.stringify(Object.fromEntries([...failing.entries()].sort()), null, 1) + '\n');
    t.diagnostic(`wrote ${failing.size} known failures to ${LIST}`);
    return;
  }

  const known = readList();
  const ran = new Set(cases.map((c) => c.id));
  const unexpected = [...failing.keys()].filter((id) => !(id in known));
  const fixed = Object.keys(known).filter((id) => ran.has(id) && !failing.has(id));
  const stale = filter ? [] : Object.keys(known).filter((id) => !ran.has(id));
  const changed = [...failing.entries()].filter(([id, why]) => id in known && known[id] !== why);
  const msg: string[] = [];
  if (unexpected.length) msg.push(`${unexpected.length} new failures:\n${unexpected.slice(0, 40).map((id) => `  ${id} ${failing.get(id) ?? ''}`).join('\n')}`);
  if (fixed.length) msg.push(`${fixed.length} listed known failures now pass; remove them from ${LIST}:\n${fixed.slice(0, 40).map((id) => `  ${id}`).join('\n')}`);
  if (changed.length) msg.push(`${changed.length} listed cases fail for another reason than recorded (update the list):\n${changed.slice(0, 20).map(([id, why]) => `  ${id}\n    was: ${known[id] ?? ''}\n    now: ${why}`).join('\n')}`);
  if (stale.length) msg.push(`${stale.length} listed cases no longer exist:\n${stale.slice(0, 20).join('\n')}`);
  assert.equal(msg.length, 0, msg.join('\n'));
});
