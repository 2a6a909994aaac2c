// Parses every module of both conformance corpora and reports the parse rate per corpus.
// Target: ≥ 99 % of the modules whose case expects no error.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDiagnostic, parseModule } from '../../../compiler/src/frontend.ts';
import { corpusAvailable, loadCorpus } from './corpus.ts';

test('parse rate over the conformance corpora', { skip: corpusAvailable() ? false : 'conformance corpora not found next to the repository' }, () => {
  const mods = loadCorpus();
  assert.ok(mods.length > 1000, `expected the corpora to hold >1000 modules, found ${mods.length}`);
  const failures: string[] = [];
  for (const corpus of ['regorus', 'opa'] as const) {
    let valid = 0;
    let ok = 0;
    let errCases = 0;
    let errParsed = 0;
    for (const m of mods.filter((x) => x.corpus === corpus)) {
      const r = parseModule(m.source, m.id);
      if (m.expectsError) {
        errCases++;
        if (r.module) errParsed++;
        continue;
      }
      valid++;
      if (r.module) ok++;
      else failures.push(`${m.id}: ${r.diagnostics.map(formatDiagnostic).join('; ')}`);
    }
    const rate = valid ? (100 * ok) / valid : 100;
    console.log(
      `# parse ${corpus}: ${ok}/${valid} valid modules parsed (${rate.toFixed(2)} %); ` +
        `${errParsed}/${errCases} modules of error-expecting cases parsed`,
    );
    assert.ok(rate >= 99, `${corpus}: parse rate ${rate.toFixed(2)} % < 99 %\n${failures.slice(0, 30).join('\n')}`);
  }
  if (failures.length) console.log(`# unparsed valid modules:\n${failures.map((f) => '#   ' + f).join('\n')}`);
});
