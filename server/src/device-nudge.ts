// Per-device nudges: when IT decides one of a device's exception requests, the device's agent should
// check in soon instead of at its next scheduled cycle. The nudge says only that — no data, no command:
// the push channel (routes/push.ts) sends the device's open sockets `{"type":"nudge"}`, and the agent
// then runs its normal authenticated check-in (agent/src/sync/nudge-gate.ts jitters and rate-limits it).
// Across server nodes the nudge travels as the device id on a NOTIFY channel (PostgreSQL LISTEN/NOTIFY;
// in-process for SQLite), so the node holding the device's WebSocket sends it.
export const DEVICE_NUDGE_CHANNEL = 'warden_device_nudge';

/** The channel carries a device id and nothing else; anything else is ignored by the receiving node. */
const DEVICE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function parseNudge(payload: string): string | null {
  return DEVICE_ID.test(payload) ? payload : null;
}

export interface Notifier {
  notify(channel: string, payload: string): Promise<void>;
}

/**
 * Asks every server node to nudge the device. Best effort: a lost nudge only means the agent learns
 * the decision at its next scheduled check-in, so a failure is reported, never thrown.
 */
export async function nudgeDevice(n: Notifier, deviceId: string, onError: (e: unknown) => void): Promise<void> {
  if (!parseNudge(deviceId)) return;
  await n.notify(DEVICE_NUDGE_CHANNEL, deviceId).catch(onError);
}
