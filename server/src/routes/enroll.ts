// Enrollment: the fleet enroll secret or a one-time token → a per-device credential.
// Re-enrolling (same hardware id) keeps the device id and replaces the credential; a revoked device
// needs a one-time token an admin issued on purpose.
import type { FastifyInstance } from 'fastify';
import { EnrollReply, EnrollRequest, ErrorReply } from '../schemas/api.ts';
import { HttpError, badRequest, tooManyFailures } from '../http-error.ts';
import { hashSecret, mintCredential, newId, parseCredential, verifySecret } from '../auth/secrets.ts';
import type { RouteContext } from './context.ts';
import type { WardenCore } from '../app.ts';

export const ENROLL_SECRET_SETTING = 'enroll_secret_hash';

// Results that are a wrong guess at a secret (counted by the guessing limit); a used or expired token
// was a right one, and a revoked device is a decision, not a guess.
const GUESSES = new Set(['bad_secret', 'bad_token']);

/** The enrollment decision shared by the plain and the sealed route: a credential, or an HttpError. */
export async function performEnroll(core: WardenCore, b: EnrollRequest, ip: string): Promise<{ device_id: string; credential: string; reenrolled: boolean }> {
  const { store, now, metrics, authLimits } = core;
  const refuse = (result: string, status: number, code: string, message: string): never => {
    metrics.enrollments.inc({ result });
    if (GUESSES.has(result)) {
      // Only failures count, and only the failing request is refused: a valid secret from the same
      // address (a fleet behind one NAT) never reaches this line.
      const wait = authLimits.enrollBlockedFor(ip);
      authLimits.enrollFailed(ip);
      if (wait > 0) {
        metrics.authThrottled.inc({ route: 'enroll' });
        throw tooManyFailures(wait, `too many failed enrollments from ${ip}: ${message}`);
      }
    }
    throw new HttpError(status, code, message);
  };
  if ((b.enroll_secret === undefined) === (b.enroll_token === undefined)) throw badRequest('give exactly one of enroll_secret or enroll_token');
  let tokenId: string | null = null;
  if (b.enroll_secret !== undefined) {
    const hash = await store.getSetting(ENROLL_SECRET_SETTING);
    if (!hash) refuse('disabled', 403, 'enroll_disabled', 'enrollment by secret is disabled on this server (no enroll secret set); ask for a one-time enroll token');
    if (!(await verifySecret(b.enroll_secret, hash as string))) refuse('bad_secret', 401, 'bad_enroll_secret', 'the enroll secret is not valid');
  } else {
    const c = parseCredential('enroll', b.enroll_token as string);
    const t = c ? await store.getEnrollToken(c.id) : null;
    if (!c || !t || !(await verifySecret(c.secret, t.secretHash))) refuse('bad_token', 401, 'bad_enroll_token', 'the enroll token is not valid');
    else if (t.usedAt !== null) refuse('token_used', 401, 'enroll_token_used', 'the enroll token was already used');
    else if (t.expiresAt <= now()) refuse('token_expired', 401, 'enroll_token_expired', 'the enroll token has expired');
    tokenId = c?.id ?? null;
  }
  const cred = mintCredential('device');
  const out = await store.enrollDevice(
    { newId: newId(), hardwareId: b.hardware_id, hostname: b.hostname, platform: b.platform, agentVersion: b.agent_version, credentialId: cred.id, credentialHash: await hashSecret(cred.secret, 'random'), enrolledAt: now() },
    tokenId,
  );
  if ('refused' in out) {
    if (out.refused === 'revoked') refuse('revoked', 403, 'device_revoked', 'this device was revoked; an admin must issue a one-time enroll token to enroll it again');
    refuse('token_used', 401, 'enroll_token_used', 'the enroll token was already used');
    throw new Error('unreachable');
  }
  const { device, reenrolled } = out;
  // The old credential of a re-enrolled device stops working now, not at cache expiry.
  if (reenrolled) await core.auth.revoke({ kind: 'device', id: device.id });
  metrics.enrollments.inc({ result: reenrolled ? 'reenrolled' : 'enrolled' });
  await store.appendAudit({ at: now(), actor: `device:${device.id}`, action: reenrolled ? 'device.reenroll' : 'device.enroll', target: `device:${device.id}`, detail: { hostname: device.hostname, via: tokenId ? `enroll-token:${tokenId}` : 'enroll-secret' }, ip });
  return { device_id: device.id, credential: cred.token, reenrolled };
}

export async function enrollRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  app.post<{ Body: EnrollRequest }>(
    '/api/v1/enroll',
    {
      config: { auth: 'enroll' },
      schema: { tags: ['agent'], description: 'Enroll a device with the fleet enroll secret or a one-time enroll token', security: [], body: EnrollRequest, response: { 200: EnrollReply, '4xx': ErrorReply } },
    },
    async (req) => performEnroll(core, req.body, req.ip),
  );
}
