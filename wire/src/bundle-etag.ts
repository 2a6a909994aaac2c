// The strong ETag of a signed bundle archive: the quoted first 40 hex digits of its SHA-256. The
// server sends it with HTTP downloads (bundle-builder.ts); an agent handed the archive over the push
// socket (push-delivery.ts) computes the same value from the bytes, so its next HTTP request's
// If-None-Match names what it holds. Only node:crypto: the light daemon imports it too.
import { createHash } from 'node:crypto';

export function bundleEtag(archive: Uint8Array): string {
  return `"${createHash('sha256').update(archive).digest('hex').slice(0, 40)}"`;
}
