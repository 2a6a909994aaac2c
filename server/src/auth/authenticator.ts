// Resolves the Authorization header to a Principal. Device and API credentials carry 256 random bits
// and are stored as a salted SHA-256 (secrets.ts), so the uncached path is one primary-key read and a
// hash; a verified credential is still remembered for a short TTL keyed by its SHA-256 (the raw token
// is never kept) — it spares the read for a console session's bursts, while an agent checking in
// every minute or more always takes the uncached path. Revocation on this node drops the cache entry
// at once; other nodes see it within the TTL (cacheMs 0: no cache at all).
import { createHash } from 'node:crypto';
import type { Repository } from '../store/types.ts';
import type { Principal } from './principal.ts';
import { credentialKind, parseCredential, verifySecret } from './secrets.ts';

export const AUTH_CACHE_MS = 30_000;
export const REVOKE_CHANNEL = 'warden_revoke';

export interface RevokedSubject {
  kind: 'device' | 'user' | 'token';
  id: string;
}
const MAX_ENTRIES = 50_000;

export class Authenticator {
  private readonly cache = new Map<string, { p: Principal; until: number }>();

  constructor(
    private readonly store: Repository,
    private readonly now: () => number = Date.now,
    /** How long a verified credential is remembered; 0 verifies every request. */
    private readonly cacheMs: number = AUTH_CACHE_MS,
  ) {}

  static bearer(header: string | undefined): string | null {
    if (typeof header !== 'string') return null;
    const m = /^Bearer ([A-Za-z0-9._-]{1,200})$/.exec(header.trim());
    return m ? (m[1] as string) : null;
  }

  async resolve(header: string | undefined): Promise<Principal | null> {
    const token = Authenticator.bearer(header);
    if (!token) return null;
    if (this.cacheMs <= 0) return (await this.verify(token, this.now()))?.p ?? null;
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = this.cache.get(key);
    const now = this.now();
    if (hit && hit.until > now) return hit.p;
    if (hit) this.cache.delete(key);
    const v = await this.verify(token, now);
    if (v && this.cacheMs > 0) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(key, { p: v.p, until: Math.min(now + this.cacheMs, v.expiresAt ?? Infinity) });
    }
    return v?.p ?? null;
  }

  private async verify(token: string, now: number): Promise<{ p: Principal; expiresAt: number | null } | null> {
    const kind = credentialKind(token);
    if (kind === 'device') {
      const c = parseCredential('device', token);
      if (!c) return null;
      const d = await this.store.getDeviceCredential(c.id);
      if (!d || d.state !== 'active' || !(await verifySecret(c.secret, d.credentialHash))) return null;
      return { p: { kind: 'device', deviceId: d.id, credentialId: c.id }, expiresAt: null };
    }
    if (kind === 'api') {
      const c = parseCredential('api', token);
      if (!c) return null;
      const t = await this.store.getApiToken(c.id);
      if (!t || t.revokedAt !== null || (t.expiresAt !== null && t.expiresAt <= now)) return null;
      const u = await this.store.getUserById(t.userId);
      if (!u || u.disabled || !(await verifySecret(c.secret, t.secretHash))) return null;
      return { p: { kind: 'user', userId: u.id, username: u.username, role: u.role, tokenId: t.id }, expiresAt: t.expiresAt };
    }
    return null;
  }

  /** Forgets cached principals matching pred (after a revocation, role change or disable). */
  forget(pred: (p: Principal) => boolean): void {
    for (const [k, v] of this.cache) if (pred(v.p)) this.cache.delete(k);
  }

  /** Forgets a subject on this node and tells every other node (they drop it from their caches). */
  async revoke(subject: RevokedSubject): Promise<void> {
    this.forgetSubject(subject);
    await this.store.notify(REVOKE_CHANNEL, JSON.stringify(subject));
  }

  /** Listens for revocations made on other nodes; returns the unsubscribe function. */
  async follow(): Promise<() => Promise<void>> {
    return this.store.listen(
      REVOKE_CHANNEL,
      (payload) => {
        try {
          this.forgetSubject(JSON.parse(payload) as RevokedSubject);
        } catch {
          this.cache.clear(); // unreadable message: forgetting everything is always safe
        }
      },
      // Revocations may have been missed while disconnected: forget everything, verify afresh.
      () => this.cache.clear(),
    );
  }

  private forgetSubject(s: RevokedSubject): void {
    this.forget((p) => (s.kind === 'device' ? p.kind === 'device' && p.deviceId === s.id : s.kind === 'user' ? p.kind === 'user' && p.userId === s.id : p.kind === 'user' && p.tokenId === s.id));
  }
}
