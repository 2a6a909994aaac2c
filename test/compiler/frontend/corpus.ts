// Loads every Rego module of the conformance corpora (../shared/conformance/{regorus,opa}) for
// front-end tests. A module is "expected valid" when its case expects no error at all.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const CONFORMANCE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/conformance');
export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Whether the conformance corpora are present (they live outside the repository). */
export function corpusAvailable(): boolean {
  return fs.existsSync(path.join(CONFORMANCE_DIR, 'regorus')) || fs.existsSync(path.join(CONFORMANCE_DIR, 'opa'));
}

/** The repository's own Rego files (policies/), used as fuzz seeds when the corpora are absent. */
export function repoRegoSources(): string[] {
  const files: string[] = [];
  walk(path.join(REPO_DIR, 'policies'), '.rego', files);
  return files.sort().map((f) => fs.readFileSync(f, 'utf8'));
}

export interface CorpusModule {
  corpus: 'regorus' | 'opa';
  /** file#caseIndex#note#moduleIndex */
  id: string;
  source: string;
  /** All modules of the same case (checks run over the case's module set). */
  caseModules: string[];
  /** The case expects an error (parse, compile or evaluation). */
  expectsError: boolean;
  errorText: string | null;
  /** The case is marked `skip` in its corpus. */
  skip: boolean;
}

function walk(dir: string, ext: string, out: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, ext, out);
    else if (e.name.endsWith(ext)) out.push(p);
  }
}

interface RawCase {
  note?: unknown;
  modules?: unknown;
  error?: unknown;
  want_error?: unknown;
  want_error_code?: unknown;
  skip?: unknown;
}

function casesOf(doc: unknown): RawCase[] {
  if (doc && typeof doc === 'object' && 'cases' in doc && Array.isArray((doc as { cases: unknown }).cases)) {
    return (doc as { cases: RawCase[] }).cases;
  }
  return [];
}

export function loadCorpus(): CorpusModule[] {
  const out: CorpusModule[] = [];
  for (const corpus of ['regorus', 'opa'] as const) {
    const files: string[] = [];
    const dir = path.join(CONFORMANCE_DIR, corpus);
    if (!fs.existsSync(dir)) continue;
    walk(dir, corpus === 'regorus' ? '.yaml' : '.json', files);
    for (const f of files.sort()) {
      const text = fs.readFileSync(f, 'utf8');
      const doc: unknown = corpus === 'regorus' ? YAML.parse(text) : JSON.parse(text);
      casesOf(doc).forEach((c, ci) => {
        if (!Array.isArray(c.modules)) return;
        const mods = c.modules.filter((m): m is string => typeof m === 'string');
        const errorText =
          typeof c.error === 'string' ? c.error : typeof c.want_error === 'string' ? c.want_error : null;
        const expectsError = c.error !== undefined || c.want_error !== undefined || c.want_error_code !== undefined;
        mods.forEach((source, i) => {
          out.push({
            corpus,
            id: `${path.relative(CONFORMANCE_DIR, f)}#${ci}#${String(c.note)}#${i}`,
            source,
            caseModules: mods,
            expectsError,
            errorText,
            skip: c.skip === true,
          });
        });
      });
    }
  }
  return out;
}
