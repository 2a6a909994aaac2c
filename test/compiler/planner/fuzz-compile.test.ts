// Seeded fuzz test of the whole compiler (issue 4): 10,000 mutated corpus modules go through
// planSources — parse, checks, planner — and every 100th one that plans is also emitted to WASM
// and loaded in the unmodified SDK. Each must give a policy or diagnostics with file:line:col:
// never an exception, never a hang. The front end alone is fuzzed in test/compiler/frontend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, planSources } from '../../../compiler/src/index.ts';
import { corpusAvailable, loadCorpus, repoRegoSources } from '../frontend/corpus.ts';
import { mutate } from '../frontend/mutate.ts';
import { mulberry32 } from '../../support/prng.ts';

const SEED = 0xc0ffee;
const COUNT = 10_000;
const EMIT_EVERY = 100;
// A hang is caught by the test's timeout, not by timing each source (wall-clock limits fail on a
// loaded machine and measure nothing; bench/ measures speed).

/** `pkg/rule` for the module's package and first rule, read from the text (mutations may break it). */
function entrypointOf(src: string): string {
  const pkg = /^\s*package\s+([A-Za-z_][\w.]*)/m.exec(src)?.[1] ?? 'x';
  const rule = /^([A-Za-z_]\w*)\b(?!\s*\.)/m.exec(src.replace(/^\s*(package|import)\b.*$/gm, ''))?.[1] ?? 'p';
  return `${pkg.split('.').join('/')}/${rule === 'default' ? 'p' : rule}`;
}

test(`fuzz: ${COUNT} mutated Rego sources through the planner (every ${EMIT_EVERY}th planned one emitted and loaded) never crash (seed ${SEED})`, { timeout: 600_000 }, async () => {
  const sources = corpusAvailable()
    ? loadCorpus()
        .map((m) => m.source)
        .filter((s) => s.length < 3000)
    : repoRegoSources();
  const rnd = mulberry32(SEED);
  let planned = 0;
  let emitted = 0;
  let loaded = 0;
  const crashes: string[] = [];
  for (let n = 0; n < COUNT; n++) {
    const src = mutate(sources[Math.floor(rnd() * sources.length)]!, rnd);
    const file = `fuzz-${n}.rego`;
    const opts = { modules: [{ file, source: src }], entrypoints: [entrypointOf(src)] };
    try {
      const r = planSources(opts);
      if (r.policy) planned++;
      else {
        assert.ok(r.diagnostics.length > 0, `#${n}: no policy and no diagnostics`);
        for (const d of r.diagnostics) assert.ok(d.message.length > 0 && d.row >= 0, `#${n}: diagnostic without message/location`);
      }
      if (r.policy && planned % EMIT_EVERY === 0) {
        const c = await compile(opts);
        if (c.wasm) {
          emitted++;
          await loadPolicy(c.wasm);
          loaded++;
        } else assert.ok(c.diagnostics.length > 0, `#${n}: compile returned neither wasm nor diagnostics`);
      }
    } catch (e) {
      crashes.push(`#${n}: ${e instanceof Error ? e.stack : String(e)}\n---\n${src}\n---`);
    }
  }
  console.log(`# fuzz compile: ${COUNT} sources, ${planned} planned, ${emitted} emitted, ${loaded} loaded in the SDK, ${crashes.length} crashes`);
  assert.deepEqual(crashes.slice(0, 3), [], `${crashes.length} sources crashed the compiler`);
});
