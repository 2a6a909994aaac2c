// Front-end speed (lexer → parser → checks), warm, in a running process: the repository's
// policies/ and a generated 1,000-rule ban list. Prints median and p90 over repeated runs.
//   npx tsx bench/compiler-frontend.ts

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkModules, parseModule } from '../compiler/src/frontend.ts';
import type { Module } from '../compiler/src/ast.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function regoFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) regoFiles(p, out);
    else if (p.endsWith('.rego')) out.push(p);
  }
  return out;
}

function banList(n: number): string {
  let src = 'package bans\nimport rego.v1\n';
  for (let i = 0; i < n; i++) {
    src += `banned contains "tool-${i}" if {\n  some t in input.tools\n  t.name == "tool-${i}"\n  semver.compare(t.version, "1.${i}.0") < 0\n}\n`;
  }
  return src;
}

function measure(name: string, sources: { file: string; source: string }[], rounds: number): void {
  const parse: number[] = [];
  const check: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const mods: Module[] = [];
    for (const s of sources) {
      const p = parseModule(s.source, s.file);
      if (!p.module) throw new Error(`${s.file}: ${p.diagnostics[0]?.message}`);
      mods.push(p.module);
    }
    const t1 = performance.now();
    const c = checkModules(mods);
    const t2 = performance.now();
    const cu = process.cpuUsage(c0);
    cpu.push((cu.user + cu.system) / 1000);
    if (c.diagnostics.length) throw new Error(`${name}: ${c.diagnostics[0]!.message}`);
    parse.push(t1 - t0);
    check.push(t2 - t1);
  }
  const q = (xs: number[], f: number): string => [...xs].sort((a, b) => a - b)[Math.floor(f * (xs.length - 1))]!.toFixed(2);
  const chars = sources.reduce((a, s) => a + s.source.length, 0);
  console.log(
    `${name}: ${sources.length} files, ${chars} chars — parse p50 ${q(parse, 0.5)} ms p90 ${q(parse, 0.9)} ms; ` +
      `checks p50 ${q(check, 0.5)} ms p90 ${q(check, 0.9)} ms; process CPU (parse+checks) p50 ${q(cpu, 0.5)} ms ` +
      `(${rounds} runs, first included; wall times inflate when the machine is busy, CPU time less so)`,
  );
}

const policies = regoFiles(path.join(ROOT, 'policies')).map((file) => ({ file: path.relative(ROOT, file), source: fs.readFileSync(file, 'utf8') }));
measure('policies/', policies, 50);
measure('ban list (1,000 rules)', [{ file: 'bans.rego', source: banList(1000) }], 15);
