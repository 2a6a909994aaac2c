// Loads the two Rego conformance corpora (regorus YAML, OPA JSON) into one case shape and turns
// each case's query into a query plan the compiler can build (see compiler/src/index.ts `queries`).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { isSingleValueQuery, VALUE_QUERY_VAR } from '../../../compiler/src/query.ts';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
/** CI clones the repo next to shared/: the corpus lives at ../shared/conformance. */
export const CORPUS_ROOT = resolve(REPO_ROOT, '../shared/conformance');

/** Name of the value a single-expression regorus query reports. */
export const VALUE_VAR = VALUE_QUERY_VAR;

export type Expect =
  | { kind: 'results'; values: unknown[]; ordered: boolean; sortBindings?: boolean }
  | { kind: 'error'; message?: string; code?: string };

export interface Case {
  /** Stable id: corpus/relative-file#index. */
  id: string;
  corpus: 'regorus' | 'opa';
  folder: string;
  note: string;
  modules: string[];
  data: unknown;
  /** One evaluation per input; `undefined` = no input. */
  inputs: unknown[];
  /** The query as compiled (rewritten from the case's query). */
  query: string;
  /** regorus: results are values (single-expression queries) or bindings (see toRegorusResult). */
  mode: 'regorus-value' | 'regorus-bindings' | 'opa-bindings';
  expect: Expect;
  /** Compared with OPA's current expected result instead of the corpus's (conformance-upstream.json: where it is). */
  upstream?: string;
  /** Set when the runner cannot express the case; the reason is reported. */
  inexpressible?: string;
  /** Marked `skip: true` in the corpus itself. */
  skipped?: boolean;
  /** Run with strict builtin errors (OPA `strict_error: true`; regorus unless `strict: false`): builtin errors fail the query. */
  strictError?: boolean;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function folderOf(rel: string): string {
  const parts = rel.split('/');
  return parts.length > 1 ? parts.slice(0, -1).join('/') : '.';
}

function isFalsy(v: unknown): boolean {
  return v === false || v === 0 || v === '' || v === null;
}

/**
 * YAML maps as plain objects whose non-string keys read as their JSON text, the way the SDK prints
 * a Rego object's non-string keys (`null: true` is the key null, printed "null"; the yaml package's
 * own conversion would make it "").
 */
function plainYaml(v: unknown): unknown {
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) out[typeof k === 'string' ? k : JSON.stringify(k)] = plainYaml(x);
    return out;
  }
  if (Array.isArray(v)) return v.map(plainYaml);
  return v;
}

export function loadRegorus(root = join(CORPUS_ROOT, 'regorus')): Case[] {
  const cases: Case[] = [];
  for (const file of walk(root)) {
    if (!file.endsWith('.yaml')) continue;
    const rel = relative(root, file);
    const doc = plainYaml(YAML.parse(readFileSync(file, 'utf8'), { mapAsMap: true })) as { cases?: Record<string, unknown>[] };
    (doc.cases ?? []).forEach((c, i) => {
      const rawQuery = String(c.query ?? '');
      const single = isSingleValueQuery(rawQuery);
      let query = single ? `${VALUE_VAR} := (${rawQuery})` : rawQuery;
      const input = c.input as unknown;
      let inputs: unknown[] = [undefined];
      if (input !== undefined) {
        const many = input && typeof input === 'object' && 'many!' in input ? (input as { 'many!': unknown[] })['many!'] : undefined;
        inputs = many ?? [input];
      }
      let inexpressible: string | undefined;
      if (inputs.some((x) => x !== undefined && isFalsy(x))) {
        if (query.includes(';') || query.includes('\n') || inputs.length > 1) inexpressible = 'falsy input in a multi-expression query';
        else {
          query = `${query} with input as ${JSON.stringify(inputs[0])}`;
          inputs = [undefined];
        }
      }
      let expect: Expect;
      if (typeof c.error === 'string') expect = { kind: 'error', message: c.error };
      else if (c.no_result === true) expect = { kind: 'results', values: [], ordered: true };
      else {
        const w = c.want_result as unknown;
        const many = w && typeof w === 'object' && 'many!' in w ? (w as { 'many!': unknown[] })['many!'] : undefined;
        expect = { kind: 'results', values: many ?? [w], ordered: true };
      }
      cases.push({
        id: `regorus/${rel}#${i}`,
        corpus: 'regorus',
        folder: folderOf(rel),
        note: String(c.note ?? ''),
        modules: (c.modules as string[] | undefined) ?? [],
        data: c.data ?? {},
        inputs,
        query,
        mode: single ? 'regorus-value' : 'regorus-bindings',
        expect,
        inexpressible,
        skipped: c.skip === true,
        // regorus evaluates with strict builtin errors unless the case says `strict: false`.
        strictError: c.strict !== false,
      });
    });
  }
  return cases;
}

/**
 * OPA cases whose expected result OPA itself has since changed (a bug fixed upstream and its test
 * case updated): the case id, its note (checked, so a changed corpus is noticed), where OPA's
 * current answer is, and that answer. The case is compared with it and reported as such.
 */
interface UpstreamUpdate {
  note: string;
  source: string;
  want_result: unknown[];
}
const UPSTREAM = join(REPO_ROOT, 'test/compiler/conformance-upstream.json');

function upstreamUpdates(): Record<string, UpstreamUpdate> {
  return JSON.parse(readFileSync(UPSTREAM, 'utf8')) as Record<string, UpstreamUpdate>;
}

export function loadOpa(root = join(CORPUS_ROOT, 'opa')): Case[] {
  const cases: Case[] = [];
  const updates = upstreamUpdates();
  for (const file of walk(root)) {
    if (!file.endsWith('.json')) continue;
    const rel = relative(root, file);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { cases?: Record<string, unknown>[] };
    (doc.cases ?? []).forEach((c, i) => {
      let query = String(c.query ?? '');
      let inputs: unknown[] = [c.input];
      let inexpressible: string | undefined;
      const withInput = (term: string): void => {
        if (query.includes(';') || query.includes('\n')) inexpressible = 'input term with a multi-expression query';
        else query = `${query} with input as ${term}`;
        inputs = [undefined];
      };
      if (typeof c.input_term === 'string') withInput(c.input_term);
      else if (c.input !== undefined && isFalsy(c.input)) withInput(JSON.stringify(c.input));
      let expect: Expect;
      if (typeof c.want_error_code === 'string' || typeof c.want_error === 'string') {
        expect = { kind: 'error', message: c.want_error as string | undefined, code: c.want_error_code as string | undefined };
      } else {
        // sort_bindings: OPA's harness sorts each binding's (JSON) array before comparing.
        expect = { kind: 'results', values: (c.want_result as unknown[] | undefined) ?? [], ordered: false, sortBindings: c.sort_bindings === true };
      }
      const id = `opa/${rel}#${i}`;
      const update = updates[id];
      if (update) {
        if (update.note !== c.note || expect.kind !== 'results') throw new Error(`${UPSTREAM}: ${id} is no longer the case "${update.note}"`);
        expect.values = update.want_result;
      }
      cases.push({
        id,
        ...(update ? { upstream: update.source } : {}),
        corpus: 'opa',
        folder: folderOf(rel),
        note: String(c.note ?? ''),
        modules: (c.modules as string[] | undefined) ?? [],
        data: c.data ?? {},
        inputs,
        query,
        mode: 'opa-bindings',
        expect,
        inexpressible,
        strictError: c.strict_error === true,
      });
    });
  }
  return cases;
}
