// The server takes the MCP servers and bypass signals an agent reports with its inventory and lists
// them fleet-wide: `warden report mcp-servers` and `managed-settings-bypasses` (JSON and CSV).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enroll, finding, http, inventory, sqliteKind, startFleet } from './helpers.ts';

test('reports list every MCP server and every managed-settings bypass the devices reported', async () => {
  const f = await startFleet(sqliteKind);
  try {
    const a = await enroll(f.url, f.enrollSecret, 'alice-laptop');
    const claude = finding('claude-code', '2.1.80', {
      mcp_servers: [
        { name: 'github', transport: 'http', command: null, url: 'https://api.github.example/mcp', scope: 'user', config: '/home/alice/.claude.json' },
        { name: 'fs', transport: 'stdio', command: 'npx', url: null, scope: 'project', config: '/home/alice/.claude.json' },
      ],
      bypasses: [{ kind: 'override_env', name: 'ANTHROPIC_BASE_URL' }],
    });
    let r = await http(f.url, 'POST', '/api/v1/agent/inventory', { token: a.credential, body: { kind: 'full', seq: 1, inventory: inventory('alice-laptop', [claude, finding('cursor', '1.2.0')]) } });
    assert.equal(r.status, 200, r.text);
    r = await http(f.url, 'GET', '/api/v1/reports/mcp-servers?format=json', { token: f.tokens.auditor });
    assert.equal(r.status, 200, r.text);
    const rows = (r.body as { rows: Record<string, unknown>[] }).rows;
    assert.deepEqual(rows.map((x) => [x.hostname, x.user, x.tool_id, x.name, x.transport, x.command, x.url, x.scope]), [
      ['alice-laptop', 'alice', 'claude-code', 'github', 'http', null, 'https://api.github.example/mcp', 'user'],
      ['alice-laptop', 'alice', 'claude-code', 'fs', 'stdio', 'npx', null, 'project'],
    ]);
    r = await http(f.url, 'GET', '/api/v1/reports/managed-settings-bypasses?format=csv', { token: f.tokens.auditor });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.text.trim().split(/\r?\n/), ['device_id,hostname,user,tool_id,kind,name', `${a.deviceId},alice-laptop,alice,claude-code,override_env,ANTHROPIC_BASE_URL`]);
    // An MCP server entry carrying more than the schema allows (e.g. its arguments) is refused.
    const leaky = finding('claude-code', '2.1.80', { mcp_servers: [{ name: 'x', transport: 'stdio', command: 'npx', url: null, scope: 'user', config: '/c', args: ['--token=T'] } as never] });
    r = await http(f.url, 'POST', '/api/v1/agent/inventory', { token: a.credential, body: { kind: 'full', seq: 2, inventory: inventory('alice-laptop', [leaky]) } });
    assert.equal(r.status, 400, r.text);
  } finally {
    await f.close();
  }
});
