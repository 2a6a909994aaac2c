// The server paths the agent calls, all on its one configured server. Apart from client.ts (axios)
// so the daemon (daemon.ts) can name the push endpoint without loading the HTTP client.

export const AGENT_API = {
  enroll: '/api/v1/enroll',
  checkIn: '/api/v1/agent/status',
  inventory: '/api/v1/agent/inventory',
  events: '/api/v1/agent/events',
  bundle: '/api/v1/bundles/warden',
  bundleKey: '/api/v1/bundles/public-key',
  push: '/api/v1/agent/push',
  memberships: '/api/v1/agent/memberships',
  exceptions: '/api/v1/agent/exceptions',
} as const;

/** WebSocket URL of the push endpoint on the same server (ws, or wss for https). */
export function pushUrl(server: string): string {
  const u = new URL(`${server.replace(/\/+$/, '')}${AGENT_API.push}`);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}
