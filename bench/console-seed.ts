// The console benches' fleet: `devices` devices with `perDevice` inventory rows each (12 tools, 4
// users, 3 platforms, a seventh of devices with a banned tool), 30 days of compliance samples and
// 200 pending exceptions, written straight into the database in one transaction.
import type { SqlDriver } from '../server/src/store/sql-driver.ts';

export const TOOLS: [string, string, string, string][] = [
  ['claude-code', 'Claude Code', 'Anthropic', 'US'], ['cursor', 'Cursor', 'Anysphere', 'US'], ['github-copilot', 'GitHub Copilot', 'GitHub', 'US'],
  ['qoder-cli', 'Qoder CLI', 'Alibaba', 'CN'], ['aider', 'Aider', 'Aider', 'US'], ['gemini-cli', 'Gemini CLI', 'Google', 'US'], ['codex', 'Codex CLI', 'OpenAI', 'US'],
  ['ollama', 'Ollama', 'Ollama', 'US'], ['windsurf', 'Windsurf', 'Cognition', 'US'], ['mistral-vibe', 'Mistral Vibe', 'Mistral AI', 'FR'], ['kimi-cli', 'Kimi CLI', 'Moonshot AI', 'CN'],
  ['trae', 'Trae', 'ByteDance', 'CN'],
];

export async function seedConsoleFleet(db: SqlDriver, DEVICES: number, PER_DEVICE: number, now: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < DEVICES; i += 100) {
      const devs: (string | number | null)[][] = [];
      const items: (string | number | null)[][] = [];
      for (let d = i; d < Math.min(DEVICES, i + 100); d++) {
        const id = `dev${String(d).padStart(6, '0')}`;
        const banned = d % 7 === 0;
        devs.push([id, `hw-${d}`, `host-${String(d).padStart(5, '0')}.corp`, ['linux', 'darwin', 'win32'][d % 3]!, d % 10 === 0 ? '0.1.0' : '0.2.0', `cred${d}`, 'x', 'active', now - 86400_000, now - (d % 1440) * 60_000, d % 20 === 0 ? '4.0' : '5.1', now - 3600_000, banned ? 'noncompliant' : 'compliant', banned ? 'quarantine' : 'allow', banned ? 'claude-code' : '']);
        for (let k = 0; k < PER_DEVICE; k++) {
          const [tool, name, vendor, country] = TOOLS[(d + k) % TOOLS.length]!;
          const user = ['alice', 'bob', 'carol', 'dave'][k % 4]!;
          const version = `${1 + (d % 3)}.${k}.0`;
          const detail = { tool_id: tool, name, vendor, vendor_country: country, category: 'coding-agent', version, channel: k < TOOLS.length ? 'npm' : 'pipx', user, paths: [`/home/${user}/.local/${tool}`], evidence: [], confidence: 'high', running: [] };
          items.push([id, `${tool}:${detail.channel}:${user}:${k}`, tool, name, vendor, version, detail.channel, JSON.stringify(detail), now, country, 'coding-agent', user]);
        }
      }
      const row = (n: number) => `(${Array.from({ length: n }, () => '?').join(',')})`;
      await tx.run(
        `INSERT INTO devices (id, hardware_id, hostname, platform, agent_version, credential_id, credential_hash, state, enrolled_at, last_seen_at, bundle_revision, bundle_applied_at, compliance, strictest_action, banned_tools) VALUES ${devs.map(() => row(15)).join(',')}`,
        devs.flat(),
      );
      for (let k = 0; k < items.length; k += 50) {
        const chunk = items.slice(k, k + 50);
        await tx.run(`INSERT INTO inventory_items (device_id, item_key, tool_id, name, vendor, version, kind, detail_json, updated_at, vendor_country, category, user_name) VALUES ${chunk.map(() => row(12)).join(',')}`, chunk.flat());
      }
      // uploads spread over the last hours, as a fleet's are
      await tx.run('UPDATE devices SET inventory_seq = 1, inventory_at = ? WHERE id >= ? AND id <= ?', [now - (DEVICES - i) * 1000, `dev${String(i).padStart(6, '0')}`, `dev${String(Math.min(DEVICES, i + 100) - 1).padStart(6, '0')}`]);
    }
    for (let h = 0; h < 24 * 30; h++) {
      await tx.run('INSERT INTO compliance_history (at, devices, compliant, noncompliant, unknown, bundle_current, bundle_revision) VALUES (?, ?, ?, ?, ?, ?, ?)', [now - (24 * 30 - h) * 3600_000, DEVICES, DEVICES - Math.floor(DEVICES / 7) - (h % 50), Math.floor(DEVICES / 7) + (h % 50), 0, DEVICES, '5.1']);
    }
    for (let e = 0; e < 200; e++) {
      await tx.run("INSERT INTO exceptions (id, device_id, tool_id, reason, requested_by, requested_at, state) VALUES (?, ?, 'claude-code', 'needed for the SDK work', 'alice', ?, 'pending')", [`exc${e}`, `dev${String((e * 7) % DEVICES).padStart(6, "0")}`, now - e * 60_000]);
    }
  });
}
