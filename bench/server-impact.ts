// Impact preview at fleet scale: N devices (3 findings each) in SQLite, one draft ban list evaluated
// against every device with the real compiled fleet policy. Prints seconds per preview and per device.
// Usage: npx tsx bench/server-impact.ts [devices=1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../server/src/store/open.ts';
import { previewImpact } from '../server/src/policy/impact.ts';
import { GroupStore } from '../server/src/groups/store.ts';
import { WasmPolicyEvaluator } from '../server/src/policy/wasm-evaluator.ts';
import { compileFleetPolicy } from '../server/src/policy/fleet-policy.ts';
import type { BanList } from '../wire/src/banlist.ts';

const N = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'warden-impact-bench-'));
const store = await openStore({ dataDir: dir });
try {
  const tools = ['claude-code', 'cursor', 'qoder-cli', 'github-copilot', 'windsurf'];
  for (let i = 0; i < N; i++) {
    const r = await store.enrollDevice({ newId: `d${i}`, hardwareId: `hw-${i}`, hostname: `host-${i}`, platform: 'linux', agentVersion: '1', credentialId: `c${i}`, credentialHash: 'x', enrolledAt: Date.now() }, null);
    if (!('device' in r)) throw new Error('enroll failed');
    const items = [0, 1, 2].map((k) => {
      const tool = tools[(i + k) % tools.length]!;
      const f = { tool_id: tool, name: tool, vendor: 'V', vendor_country: 'US', category: 'coding-agent', version: `${1 + (i % 3)}.0.0`, channel: 'npm', user: 'u', paths: [], evidence: [], confidence: 'high', running: [] };
      return { key: `${tool}:npm:u`, toolId: tool, name: tool, vendor: 'V', version: f.version, kind: 'npm', detail: f };
    });
    await store.replaceInventory(r.device.id, 1, items, Date.now());
  }
  const t0 = performance.now();
  const evaluator = new WasmPolicyEvaluator(() => compileFleetPolicy());
  const empty: BanList = { schema: 'warden.banlist/v1', name: 'x', mode: 'enforce', default_action: 'allow', message: 'm', alternative: '', rules: [], exceptions: [] };
  await evaluator.evaluate(empty, []);
  const compileS = (performance.now() - t0) / 1000;
  const draft: BanList = { ...empty, rules: [{ id: 'ban-claude', action: 'block', match: { tools: ['claude-code'], version: { lt: '3.0.0' } } }] };
  const t1 = performance.now();
  const report = await previewImpact(store, new GroupStore(store.driver), evaluator, empty, draft, new Date());
  const s = (performance.now() - t1) / 1000;
  process.stdout.write(`impact preview: ${N} devices (${report.findings_evaluated} findings), ${report.devices_changed} would change; ${s.toFixed(2)} s (${((s * 1000) / N).toFixed(2)} ms/device; policy compile ${compileS.toFixed(1)} s, once per process)\n`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
