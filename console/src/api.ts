// The console's one way to the server: same-origin fetch with the session cookie (never a token in
// JS or in a URL), the CSRF header on every state change, JSON in and out, errors as ApiError.
import { signal } from '@preact/signals';

export type Role = 'admin' | 'policy-editor' | 'auditor' | 'siem';

export interface Session {
  username: string;
  role: Role;
  csrf_token: string | null;
  expires_at: string | null;
}

/** undefined while the console asks the server who is signed in; null when nobody is. */
export const session = signal<Session | null | undefined>(undefined);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

/** "?a=1&b=x" from the set values (empty string when none). */
export function qs(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrf = session.value?.csrf_token;
  if (method !== 'GET' && csrf) headers['x-warden-csrf'] = csrf;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data ?? {}) as { error?: string; message?: string };
    // The session ended (expired, revoked, signed out elsewhere): back to the sign-in page.
    if (res.status === 401 && !path.endsWith('/auth/session')) session.value = null;
    throw new ApiError(res.status, e.error ?? 'error', e.message ?? `${res.status} ${res.statusText}`);
  }
  return data as T;
}

export const get = <T>(path: string, q?: Query): Promise<T> => api<T>('GET', `${path}${qs(q)}`);

export function canEdit(): boolean {
  const r = session.value?.role;
  return r === 'admin' || r === 'policy-editor';
}
export function isAdmin(): boolean {
  return session.value?.role === 'admin';
}
/** The audit log is for admins and auditors (the API refuses policy editors). */
export function canReadAudit(): boolean {
  const r = session.value?.role;
  return r === 'admin' || r === 'auditor';
}
