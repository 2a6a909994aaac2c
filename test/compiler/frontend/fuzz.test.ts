// Seeded fuzz test of the front end: mutated corpus modules (characters and tokens deleted,
// duplicated, swapped, inserted) go through parseModule + checkModules. Every source must come
// back as a module or as diagnostics with file:line:col — never an exception, never an
// "internal compiler error", never a hang. Reproducible: fixed seed, fixed corpus order.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkModules, parseModule } from '../../../compiler/src/frontend.ts';
import { corpusAvailable, loadCorpus, repoRegoSources } from './corpus.ts';
import { mulberry32 } from '../../support/prng.ts';
import { mutate } from './mutate.ts';

const SEED = 0x5eed_4042;
const COUNT = 10_000;
/**
 * A hang (or exponential re-parsing) is caught by the test's own timeout, not by timing each source:
 * wall-clock limits fail on a loaded machine and measure nothing (bench/ measures speed).
 */
const TIMEOUT_MS = 600_000;

test(`fuzz: ${COUNT} mutated Rego sources never crash the front end (seed ${SEED})`, { timeout: TIMEOUT_MS }, () => {
  // Seeds: the conformance corpora when present, else the repository's own policies.
  const sources = corpusAvailable()
    ? loadCorpus()
        .map((m) => m.source)
        .filter((s) => s.length < 3000)
    : repoRegoSources();
  assert.ok(sources.length > (corpusAvailable() ? 500 : 0), 'too few seed sources for fuzzing');
  const rnd = mulberry32(SEED);
  let parsed = 0;
  let rejected = 0;
  let slowest = 0;
  const internal: string[] = [];
  for (let n = 0; n < COUNT; n++) {
    const src = mutate(sources[Math.floor(rnd() * sources.length)]!, rnd);
    const t0 = performance.now();
    const p = parseModule(src, `fuzz-${n}.rego`);
    const diags = [...p.diagnostics];
    if (p.module) {
      parsed++;
      diags.push(...checkModules([p.module]).diagnostics);
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (diags.length) rejected++;
    for (const d of diags) {
      const located = d.file === `fuzz-${n}.rego` && d.row >= 1 && d.col >= 1 && d.message.length > 0;
      if (!located || d.message.startsWith('internal compiler error')) {
        internal.push(`#${n}: ${d.file}:${d.row}:${d.col}: ${d.message}\n---\n${src}\n---`);
      }
    }
  }
  console.log(`# fuzz: ${COUNT} sources, ${parsed} parsed, ${rejected} with diagnostics, slowest ${slowest.toFixed(1)} ms`);
  assert.deepEqual(internal.slice(0, 3), [], `${internal.length} sources hit an internal error`);
});

test('nested constructs that make the parser backtrack stay linear (no exponential re-parsing: 40 levels would never finish)', { timeout: 60_000 }, () => {
  const n = 40;
  const sources = [
    'package t\np := ' + '[x | '.repeat(n) + 'y y' + ']'.repeat(n),
    'package t\np := ' + '{x | '.repeat(n) + 'y y' + '}'.repeat(n),
    'package t\np := ' + '[a & b | '.repeat(n) + 'y y' + ']'.repeat(n),
    'package t\np := ' + '{a: b | '.repeat(n) + 'y y' + '}'.repeat(n),
    'package t\np := ' + '[x | '.repeat(n) + 'y]' + ', a a]'.repeat(n - 1),
    'package t\np if ' + '{ {'.repeat(n) + 'x x' + '} }'.repeat(n),
  ];
  for (const src of sources) {
    const r = parseModule(src, 'nested.rego');
    assert.equal(r.module, undefined);
    assert.equal(r.diagnostics[0]?.file, 'nested.rego');
  }
});
