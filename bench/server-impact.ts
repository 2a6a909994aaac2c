// Impact preview at fleet scale: the console benches' fleet (bench/console-seed.ts: 10,000 devices,
// 100,000 inventory rows) in SQLite, one draft ban list (ban Cursor) compared with the current one
// against every device with the real compiled fleet policy in opa-wasm. Devices handing the policy
// the same input share one evaluation (server/src/policy/wasm-evaluator.ts); the seeded fleet is
// uniform (12 distinct inventories), so the time per evaluation is printed too, to scale to a fleet
// whose inventories differ more.
// Usage: npx tsx bench/server-impact.ts [--devices 10000] [--rows 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../server/src/store/open.ts';
import { previewImpact } from '../server/src/policy/impact.ts';
import { GroupStore } from '../server/src/groups/store.ts';
import { WasmPolicyEvaluator } from '../server/src/policy/wasm-evaluator.ts';
import { compileFleetPolicy } from '../server/src/policy/fleet-policy.ts';
import { PolicyEngine } from '../agent/src/policy/evaluate.ts';
import type { BanList } from '../wire/src/banlist.ts';
import { seedConsoleFleet } from './console-seed.ts';
import { loadLine, report } from './machine.ts';

const { values: v } = parseArgs({ options: { devices: { type: 'string', default: '10000' }, rows: { type: 'string', default: '10' } } });
const N = Number(v.devices);
const dir = mkdtempSync(join(tmpdir(), 'warden-impact-bench-'));
const store = await openStore({ dataDir: dir });
try {
  await seedConsoleFleet(store.driver, N, Number(v.rows), Date.now());
  const t0 = performance.now();
  const wasm = await compileFleetPolicy(); // in a child process, once per server
  const compileS = (performance.now() - t0) / 1000;
  const evaluator = new WasmPolicyEvaluator(async () => wasm);
  const current: BanList = { schema: 'warden.banlist/v1', name: 'x', mode: 'enforce', default_action: 'allow', message: 'm', alternative: '', rules: [{ id: 'ban-claude', action: 'quarantine', match: { tools: ['claude-code'] } }], exceptions: [] };
  const draft: BanList = { ...current, rules: [...current.rules, { id: 'ban-cursor', action: 'block', match: { tools: ['cursor'] } }] };
  const t1 = performance.now();
  const r = await previewImpact(store, new GroupStore(store.driver), evaluator, current, draft, new Date());
  const s = (performance.now() - t1) / 1000;
  const runs = evaluator.lastRun;
  // One evaluation on its own, to scale the figure to fleets with more distinct inventories.
  const engine = await PolicyEngine.load({ wasm, data: draft as unknown as Record<string, unknown>, banList: draft, revision: 'x', signed: false, digest: '' });
  const { fleetInputs } = await import('../server/src/policy/impact.ts');
  const one = (await fleetInputs(store, new GroupStore(store.driver), new Date(), [draft])).slice(0, 200);
  const te = performance.now();
  for (const x of one) engine.evaluate(x.input);
  const perEval = (performance.now() - te) / one.length;
  const rss = Math.round(process.memoryUsage().rss / 1024 / 1024);
  process.stdout.write(`impact preview: ${N.toLocaleString('en-US')} devices (${r.findings_evaluated.toLocaleString('en-US')} findings), ${r.devices_changed.toLocaleString('en-US')} would change; ${s.toFixed(2)} s with ${runs.evaluations} evaluations per list for ${runs.inputs.toLocaleString('en-US')} devices (policy compile ${compileS.toFixed(1)} s in a child, once per server)\n`);
  process.stdout.write(`one evaluation (10 findings): ${perEval.toFixed(2)} ms → a fleet of ${N.toLocaleString('en-US')} all-different inventories would add ~${((2 * N * perEval) / 1000).toFixed(0)} s\n`);
  process.stdout.write(`bench process RSS ${rss} MB (server code + SQLite + the preview)\n${loadLine()}\n`);
  report({ name: `impact preview, ${(N / 1000).toFixed(0)}k devices (SQLite)`, value: Number(s.toFixed(1)), unit: 's', goal: { op: '<=', value: 10 }, how: `${runs.evaluations} distinct inputs evaluated per list; ${perEval.toFixed(1)} ms per evaluation` });
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
