// Who a request is: a device (agent credential) or an admin user (API token, role-bound).
import type { Role } from '../store/types.ts';

export type Principal =
  | { kind: 'device'; deviceId: string; credentialId: string }
  | { kind: 'user'; userId: string; username: string; role: Role; tokenId: string };

/** What each role may do; checked per route. admin ⊃ policy-editor ⊃ auditor (read-only). */
export const READ_ROLES: readonly Role[] = ['admin', 'policy-editor', 'auditor'];
export const EDIT_ROLES: readonly Role[] = ['admin', 'policy-editor'];
export const ADMIN_ROLES: readonly Role[] = ['admin'];
export const AUDIT_ROLES: readonly Role[] = ['admin', 'auditor'];
/** The identity provider's SCIM client: provisioning users and groups, nothing else. */
export const SCIM_ROLES: readonly Role[] = ['scim'];
/** Who may read the event stream and the audit export: a SIEM forwarder's 'siem' token reads nothing else. */
export const STREAM_ROLES: readonly Role[] = ['admin', 'auditor', 'siem'];

export function actorName(p: Principal): string {
  return p.kind === 'device' ? `device:${p.deviceId}` : `user:${p.username}`;
}
