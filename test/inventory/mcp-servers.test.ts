// MCP servers as inventory, from real config files in a temp root: Claude Code's ~/.claude.json
// (user and per-project servers), Codex's ~/.codex/config.toml, Cursor's ~/.cursor/mcp.json. Each
// server has its name, transport, program file name or URL, scope and file — never its arguments,
// env or a URL's credentials/query (the test plants tokens in all of them and looks for them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanInventory } from '../../agent/src/inventory/scan.ts';
import { buildPolicyInput } from '../../agent/src/policy/input.ts';

test("every MCP server a tool's config names is in the inventory and the policy input, without arguments, env or URL secrets", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-mcp-'));
  try {
    const home = join(dir, 'home', 'alice');
    mkdirSync(join(home, '.codex'), { recursive: true });
    mkdirSync(join(home, '.cursor'), { recursive: true });
    writeFileSync(
      join(home, '.claude.json'),
      JSON.stringify({
        mcpServers: {
          github: { type: 'http', url: 'https://user:TOKEN-1@api.github.example/mcp?key=TOKEN-2#x' },
          fs: { command: '/usr/local/bin/npx', args: ['-y', '@mcp/fs', '--token=TOKEN-3'], env: { API_KEY: 'TOKEN-4' } },
        },
        projects: { '/home/alice/src/app': { mcpServers: { sentry: { type: 'sse', url: 'https://mcp.sentry.example/sse' } } } },
      }),
    );
    writeFileSync(join(home, '.codex', 'config.toml'), '[mcp_servers.docs]\ncommand = "uvx docs-server --key TOKEN-5"\n\n[mcp_servers.remote]\nurl = "https://mcp.corp.example/docs"\n');
    writeFileSync(join(home, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { filesystem: { command: 'npx', args: ['TOKEN-6'] } } }));
    const inv = await scanInventory({ root: dir, os: 'linux' });
    const servers = (tool: string) => inv.findings.filter((f) => f.tool_id === tool).flatMap((f) => f.mcp_servers ?? []);
    const strip = (s: { name: string; transport: string; command: string | null; url: string | null; scope: string }[]) => s.map(({ name, transport, command, url, scope }) => ({ name, transport, command, url, scope }));
    assert.deepEqual(strip(servers('claude-code')), [
      { name: 'github', transport: 'http', command: null, url: 'https://api.github.example/mcp', scope: 'user' },
      { name: 'fs', transport: 'stdio', command: 'npx', url: null, scope: 'user' },
      { name: 'sentry', transport: 'sse', command: null, url: 'https://mcp.sentry.example/sse', scope: 'project' },
    ]);
    assert.deepEqual(strip(servers('openai-codex-cli')), [
      { name: 'docs', transport: 'stdio', command: 'uvx', url: null, scope: 'user' },
      { name: 'remote', transport: 'http', command: null, url: 'https://mcp.corp.example/docs', scope: 'user' },
    ]);
    assert.deepEqual(servers('cursor').map((s) => s.name), ['filesystem']);
    assert.ok(servers('cursor')[0]!.config.endsWith('/.cursor/mcp.json'));
    const input = buildPolicyInput(inv, { id: 'd', groups: [], userGroups: {} }, new Date(), []);
    assert.deepEqual(input.findings.find((f) => f.tool === 'openai-codex-cli')!.mcp_servers, [
      { name: 'docs', transport: 'stdio', scope: 'user' },
      { name: 'remote', transport: 'http', scope: 'user' },
    ]);
    const text = JSON.stringify(inv) + JSON.stringify(input);
    assert.ok(!/TOKEN-\d/.test(text), `a secret reached the inventory: ${/TOKEN-\d/.exec(text)?.[0]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
