// `warden policy test` on a validation-suite-sized library (issue 15: a 24-file, 750-test suite in
// under 15 s). The suite is generated: 12 Kubernetes-admission-style policy packages (helper
// functions, partial sets of violations over containers, data lookups) and 12 test files with
// 62-63 tests each, every test mocking input with `with`. It runs as a fresh CLI process, as an
// admin runs it, and prints the wall time beside the goal and the CLI's --timing per stage.
// Run: npx tsx bench/policy-test.ts
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLine, machine, report } from './machine.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PACKAGES = 12;
const TESTS = 750;
const GOAL_S = 15;
const line = (s: string): void => void process.stdout.write(`${s}\n`);

function policy(i: number): string {
  return `package lib.p${i}

import rego.v1

default max_replicas := 10

max_replicas := data.lib.limits.replicas if data.lib.limits.replicas

containers contains c if some c in input.review.object.spec.containers
containers contains c if some c in input.review.object.spec.initContainers

image_allowed(image) if {
	some prefix in data.lib.registries
	startswith(image, prefix)
}

missing_label(obj, label) if not obj.metadata.labels[label]

violation contains msg if {
	some c in containers
	not image_allowed(c.image)
	msg := sprintf("container %v uses image %v from a registry that is not allowed", [c.name, c.image])
}

violation contains msg if {
	some c in containers
	c.securityContext.privileged
	msg := sprintf("container %v is privileged (rule ${i})", [c.name])
}

violation contains msg if {
	some label in {"app", "team"}
	missing_label(input.review.object, label)
	msg := sprintf("missing label %v", [label])
}

violation contains msg if {
	input.review.object.spec.replicas > max_replicas
	msg := sprintf("%v replicas exceed %v", [input.review.object.spec.replicas, max_replicas])
}

limits_ok(c) if {
	c.resources.limits.cpu
	c.resources.limits.memory
}

violation contains msg if {
	some c in containers
	not limits_ok(c)
	msg := concat(": ", [c.name, "cpu and memory limits are required"])
}
`;
}

function tests(i: number, n: number): string {
  const out = [`package lib.p${i}_test\n\nimport rego.v1\nimport data.lib.p${i}\n`];
  for (let t = 0; t < n; t++) {
    const privileged = t % 3 === 0;
    const registry = t % 4 === 0 ? 'evil.io' : 'registry.corp';
    const replicas = t % 5;
    const labels = t % 7 === 0 ? '{"app": "a"}' : '{"app": "a", "team": "t"}';
    const limits = t % 6 === 0 ? '{}' : '{"limits": {"cpu": "1", "memory": "1Gi"}}';
    const obj = `{"metadata": {"labels": ${labels}}, "spec": {"replicas": ${replicas}, "containers": [{"name": "c${t}", "image": "${registry}/app:${t}", "securityContext": {"privileged": ${privileged}}, "resources": ${limits}}]}}`;
    const expectViolation = privileged || registry === 'evil.io' || t % 7 === 0 || t % 6 === 0 || replicas > 3;
    out.push(`test_case_${t} if {
	v := p${i}.violation with input as {"review": {"object": ${obj}}}
	${expectViolation ? 'count(v) > 0' : 'count(v) == 0'}
}
`);
  }
  return out.join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-policy-test-'));
try {
  const lib = join(dir, 'lib');
  mkdirSync(lib);
  writeFileSync(join(lib, 'data.json'), JSON.stringify({ registries: ['registry.corp/', 'mirror.corp/'], limits: { replicas: 3 } }));
  let written = 0;
  for (let i = 0; i < PACKAGES; i++) {
    const n = Math.floor(TESTS / PACKAGES) + (i < TESTS % PACKAGES ? 1 : 0);
    written += n;
    writeFileSync(join(lib, `p${i}.rego`), policy(i));
    writeFileSync(join(lib, `p${i}_test.rego`), tests(i, n));
  }
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/warden.js'), 'policy', 'test', '--timing', dir], { encoding: 'utf8', timeout: 600_000 });
  const s = (performance.now() - t0) / 1000;
  const summary = r.stdout.split('\n').filter((l) => /^(PASS|FAIL|ERROR|NOT COMPILED|timing)/.test(l));
  line(`suite: ${PACKAGES * 2} files, ${written} tests (generated; see bench/policy-test.ts)`);
  for (const l of summary) line(`  ${l}`);
  if (r.status !== 0) line(`  exit ${r.status ?? r.signal}: ${r.stderr.slice(0, 500)}`);
  line(`warden policy test wall time: ${s.toFixed(1)} s (goal < ${GOAL_S} s) ${s < GOAL_S ? 'OK' : 'OVER GOAL'}`);
  line(`${machine()}; ${loadLine()}`);
  report({ name: `warden policy test, ${PACKAGES * 2} files / ${written} tests (generated suite)`, value: Number(s.toFixed(1)), unit: 's', goal: { op: '<=', value: GOAL_S }, how: 'fresh CLI process, wall time' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
