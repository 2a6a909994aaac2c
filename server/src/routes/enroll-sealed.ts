// Enrollment that proves the bundle key (wire/src/enroll-seal.ts): a challenge signed by the
// bundle-signing key(s), and an enroll request sealed to a key derived from it, answered sealed. What
// the agent uses; the plain POST /api/v1/enroll stays for scripts and the fleet simulator.
import type { FastifyInstance } from 'fastify';
import type { SigningKey } from '../../../wire/src/bundle-signing.ts';
import { ChallengeReply, ChallengeRequest, ENROLL_CHALLENGE_PATH, ENROLL_SEALED_PATH, EnrollSealError, SealedMessage, answerChallenge, openRequest, sealReply } from '../../../wire/src/enroll-seal.ts';
import { check } from '../../../wire/src/validate.ts';
import { EnrollRequest, ErrorReply } from '../schemas/api.ts';
import { badRequest } from '../http-error.ts';
import { performEnroll } from './enroll.ts';

export interface SealedEnrollOptions {
  /** Current key first; the previous one too while a rotation is in progress. */
  keys: () => SigningKey[];
}

export async function sealedEnrollRoutes(app: FastifyInstance, opts: SealedEnrollOptions): Promise<void> {
  app.post<{ Body: ChallengeRequest }>(
    ENROLL_CHALLENGE_PATH,
    {
      config: { auth: 'enroll' },
      schema: { tags: ['agent'], description: 'Proof of the bundle key for an enrolling agent: its nonce and a seal key, signed', security: [], body: ChallengeRequest, response: { 200: ChallengeReply, '4xx': ErrorReply } },
    },
    async (req) => answerChallenge(req.body.nonce, opts.keys()),
  );

  app.post<{ Body: SealedMessage }>(
    ENROLL_SEALED_PATH,
    {
      config: { auth: 'enroll' },
      schema: { tags: ['agent'], description: 'Enroll with the enroll secret or token sealed to the proven key; the credential comes back sealed', security: [], body: SealedMessage, response: { 200: SealedMessage, '4xx': ErrorReply } },
    },
    async (req) => {
      const [current] = opts.keys();
      if (!req.body.agent_key) throw badRequest('agent_key is required');
      let opened;
      try {
        opened = openRequest(current as SigningKey, req.body);
      } catch (e) {
        if (e instanceof EnrollSealError) throw badRequest(e.message, 'bad_sealed_request');
        throw e;
      }
      const problems = check(EnrollRequest, opened.body);
      if (problems.length) throw badRequest(`sealed enroll request: ${problems.slice(0, 3).join('; ')}`);
      const out = await performEnroll(app.warden, opened.body as EnrollRequest, req.ip);
      return sealReply(opened.key, req.body.nonce, out);
    },
  );
}
