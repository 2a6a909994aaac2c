// The push socket (GET /api/v1/agent/push, WebSocket) as both sides speak it. The server sends text
// notices ({type:"hello"|"bundle", revision, etag}, {type:"nudge"}) to every agent. An agent that
// sends PUSH_BUNDLES_HEADER (the largest archive it takes, in bytes) and the id of its pinned key
// (PUSH_KEY_HEADER) is sent each new signed bundle itself instead of its "bundle" notice: one binary
// frame holding the signed archive (the copy its pinned key verifies, during a rotation the bridge
// copy), when it fits that limit — else the text notice, and the agent downloads it over HTTP. The
// agent verifies a pushed archive exactly as a downloaded one (the socket is not trusted) and, once
// it applied it, answers on the same socket with {type:"applied", etag} (PushApplied): the server
// records the device's bundle revision from its own bundle with that ETag, never from the agent's words.
export const PUSH_BUNDLES_HEADER = 'x-warden-push-bundles';
export const PUSH_KEY_HEADER = 'x-warden-bundle-key';

/** The agents' limit on a pushed archive (a larger bundle is announced and downloaded over HTTP). */
export const MAX_PUSHED_BUNDLE_BYTES = 8 * 1024 * 1024;

export interface PushApplied {
  type: 'applied';
  /** The bundle ETag (wire/src/bundle-etag.ts) of the archive the agent applied. */
  etag: string;
}

/** A well-formed PushApplied from a text frame, or null (anything else is ignored). */
export function parseApplied(text: string): PushApplied | null {
  if (text.length > 512) return null;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const o = v as Record<string, unknown>;
    return o.type === 'applied' && typeof o.etag === 'string' && /^"[0-9a-f]{40}"$/.test(o.etag) ? { type: 'applied', etag: o.etag } : null;
  } catch {
    return null;
  }
}
