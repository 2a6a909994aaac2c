// Files for `warden policy`: .rego modules and data documents found under the paths given. For
// `policy test`, a data file named data.json, data.yaml or data.yml inside a directory is mounted
// at its folder's path below that directory (`lib/k8s/data.yaml` under `lib` becomes data.k8s),
// as in an OPA bundle; one given by name is merged at the root. (`policy eval -d dir` merges every
// .json under dir at the root, as it always has.)

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import YAML from 'yaml';
import type { SourceFile } from '../compiler/src/index.ts';

export class UsageError extends Error {}

const DATA_EXTS = ['.json', '.yaml', '.yml'];

/** Every file with one of the extensions (recursively, sorted) under the given files or directories. */
export function collect(paths: string[], exts: string[]): string[] {
  return collectWithRoots(paths, exts).map((f) => f.file);
}

function collectWithRoots(paths: string[], exts: string[]): { file: string; root: string | null }[] {
  const files: { file: string; root: string | null }[] = [];
  const walk = (p: string, root: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.')) continue;
        walk(join(p, name), root);
      }
    } else if (exts.includes(extname(p))) files.push({ file: p, root });
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`${p}: no such file or directory`);
    if (statSync(p).isDirectory()) walk(p, p);
    else if (exts.includes(extname(p))) files.push({ file: p, root: null });
  }
  return files;
}

/** Files are named relative to the working directory when below it, else as given (like OPA). */
export function readSources(files: string[]): SourceFile[] {
  return files.map((file) => {
    const rel = relative(process.cwd(), file);
    return { file: rel && !rel.startsWith('..') ? rel : file, source: readFileSync(file, 'utf8') };
  });
}

/** A JSON or YAML document (by extension), with a clear error naming the file. */
export function readDocument(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`${file}: cannot read ${what}`);
  }
  const yaml = file.endsWith('.yaml') || file.endsWith('.yml');
  try {
    return yaml ? (YAML.parse(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (e) {
    throw new UsageError(`${file}: invalid ${yaml ? 'YAML' : 'JSON'} ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges data document b into a at path (objects merge; anything else conflicts). */
export function mergeData(a: Record<string, unknown>, b: unknown, file: string, path: string[] = []): Record<string, unknown> {
  let target = a;
  for (const [i, seg] of path.entries()) {
    const cur = target[seg];
    if (cur === undefined) target[seg] = {};
    else if (!isObject(cur)) throw new UsageError(`${file}: data conflicts at ${path.slice(0, i + 1).join('.')}`);
    target = target[seg] as Record<string, unknown>;
  }
  if (!isObject(b)) {
    if (path.length === 0) throw new UsageError(`${file}: data must be an object`);
    throw new UsageError(`${file}: data mounted at ${path.join('.')} must be an object`);
  }
  for (const [k, v] of Object.entries(b)) {
    const cur = target[k];
    if (isObject(cur) && isObject(v)) mergeData(cur, v, file, []);
    else if (cur !== undefined) throw new UsageError(`${file}: data conflicts at key '${[...path, k].join('.')}'`);
    else target[k] = v;
  }
  return a;
}

const DATA_NAMES = new Set(DATA_EXTS.map((e) => `data${e}`));

/** The data document of the data files (data.json/.yaml/.yml) under the paths, each mounted at its folder. */
export function loadData(paths: string[]): Record<string, unknown> {
  let data: Record<string, unknown> = {};
  for (const { file, root } of collectWithRoots(paths, DATA_EXTS)) {
    if (root !== null && !DATA_NAMES.has(basename(file))) continue;
    const rel = root === null ? '' : relative(root, dirname(file));
    const mount = rel === '' ? [] : rel.split(sep).filter((s) => s !== '' && s !== '.');
    data = mergeData(data, readDocument(file, 'data'), file, mount);
  }
  return data;
}

export { HOST_BUILTIN_NAMES } from '../agent/src/policy/host-builtins/names.ts';

export function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
