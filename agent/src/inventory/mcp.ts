// MCP servers as inventory: every server a tool's config file names — its name, how it runs
// (stdio with a command, or http/sse with a URL), its scope (the user's config, or a project entry
// in it) and the file. Only what policy and IT need: the program's file name (never its arguments
// or env, which hold tokens), and a URL without user info, query or fragment (same reason).
import { basename } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { McpServer } from '../../../wire/src/inventory.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The table of servers in a config document: Claude/Cursor/Gemini `mcpServers`, VS Code `servers`, Codex `mcp_servers`, Zed `context_servers`. */
const SERVER_KEYS = ['mcpServers', 'mcp_servers', 'servers', 'context_servers'];

/** scheme://host[:port]/path of a URL; null when it is not one. */
export function safeUrl(u: unknown): string | null {
  if (typeof u !== 'string') return null;
  try {
    const url = new URL(u);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return null;
  }
}

/** The program a server runs: its file name only ("npx", "uvx", "node"), never the arguments. */
export function programName(c: unknown): string | null {
  if (typeof c !== 'string' || !c.trim()) return null;
  const first = c.trim().split(/\s+/)[0] as string;
  return basename(first.replace(/\\/g, '/')).slice(0, 100);
}

function server(name: string, v: unknown, scope: McpServer['scope'], config: string): McpServer | null {
  if (!isObj(v)) return null;
  const url = safeUrl(v.url ?? v.serverUrl ?? v.httpUrl);
  const command = programName(v.command ?? (isObj(v.command) ? (v.command as Obj).path : undefined));
  const type = typeof v.type === 'string' ? v.type : typeof v.transport === 'string' ? v.transport : '';
  const transport: McpServer['transport'] = url ? (/sse/i.test(type) ? 'sse' : 'http') : command ? 'stdio' : 'unknown';
  return { name: name.slice(0, 200), transport, command: url ? null : command, url, scope, config };
}

function serversIn(doc: Obj, scope: McpServer['scope'], config: string): McpServer[] {
  const out: McpServer[] = [];
  for (const k of SERVER_KEYS) {
    const table = doc[k];
    if (!isObj(table)) continue;
    for (const [name, v] of Object.entries(table)) {
      const s = server(name, v, scope, config);
      if (s) out.push(s);
    }
  }
  return out;
}

/** Servers in a parsed JSON config; Claude Code's ~/.claude.json also keeps per-project servers under projects.<path>. */
export function mcpServersOfJson(doc: Obj, config: string): McpServer[] {
  const out = serversIn(doc, 'user', config);
  if (isObj(doc.projects)) for (const p of Object.values(doc.projects)) if (isObj(p)) out.push(...serversIn(p, 'project', config));
  return out;
}

/** Servers in a TOML config (Codex ~/.codex/config.toml); null when it does not parse. */
export function mcpServersOfToml(text: string, config: string): McpServer[] | null {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch {
    return null;
  }
  return isObj(doc) ? serversIn(doc, 'user', config) : null;
}
