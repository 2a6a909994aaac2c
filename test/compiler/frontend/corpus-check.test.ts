// Runs the checks over every case of both conformance corpora (all modules of a case together).
// A case that expects no error must produce no diagnostic (no false compile errors); for cases
// that expect an error, the test reports how many the front end already rejects at compile time.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkModules, formatDiagnostic, parseModule } from '../../../compiler/src/frontend.ts';
import { corpusAvailable, loadCorpus, type CorpusModule } from './corpus.ts';

test('checks accept every valid corpus case', { skip: corpusAvailable() ? false : 'conformance corpora not found next to the repository' }, () => {
  const cases = new Map<string, CorpusModule[]>();
  for (const m of loadCorpus()) {
    const key = m.id.replace(/#\d+$/, '');
    const list = cases.get(key) ?? [];
    list.push(m);
    cases.set(key, list);
  }
  const falseErrors: string[] = [];
  for (const corpus of ['regorus', 'opa'] as const) {
    let valid = 0;
    let clean = 0;
    let errorCases = 0;
    let rejected = 0;
    let messageMatches = 0;
    for (const [key, mods] of cases) {
      const first = mods[0]!;
      if (first.corpus !== corpus || first.skip) continue;
      const parsed = mods.map((m) => parseModule(m.source, m.id));
      const diagnostics = parsed.flatMap((p) => p.diagnostics);
      if (diagnostics.length === 0) diagnostics.push(...checkModules(parsed.map((p) => p.module!)).diagnostics);
      if (first.expectsError) {
        errorCases++;
        if (diagnostics.length) rejected++;
        if (first.errorText && diagnostics.some((d) => d.message.includes(first.errorText!))) messageMatches++;
        continue;
      }
      valid++;
      if (diagnostics.length === 0) clean++;
      else falseErrors.push(`${key}: ${formatDiagnostic(diagnostics[0]!)}`);
    }
    console.log(
      `# check ${corpus}: ${clean}/${valid} valid cases without diagnostics; ` +
        `${rejected}/${errorCases} error cases rejected at compile time (${messageMatches} with the expected message)`,
    );
  }
  assert.deepEqual(falseErrors, []);
});
