// POST /api/v1/agent/memberships: a device asks which groups it and the OS accounts it found are in,
// and gets them signed with the bundle key, bound to its own id (from its credential, never from the
// request) and to the nonce it sent. Only the groups the fleet policy names are told.
//
// Who controls what: the device names the OS accounts it found (as it does in its inventory: root on
// a machine can create any local account, so a claimed account is worth no more than an inventory
// entry); the server decides everything else. A device learns, for the accounts it names, whether
// they are in the groups the policy (which every device holds) names; nothing about other devices.
import type { FastifyInstance } from 'fastify';
import type { SigningKey } from '../../../wire/src/bundle-signing.ts';
import { MEMBERSHIPS_SCHEMA, MembershipRequest, SignedMemberships, signMemberships, type MembershipRequest as MembershipBody } from '../../../wire/src/memberships.ts';
import { MembershipResolver, policyGroupNames } from '../groups/memberships.ts';
import { ErrorReply } from '../schemas/api.ts';
import type { BanRule } from '../../../wire/src/banlist.ts';
import type { DeviceAuthenticator } from './bundles.ts';

export const MEMBERSHIPS_PATH = '/api/v1/agent/memberships';

export async function membershipRoutes(app: FastifyInstance, opts: { key: SigningKey; authenticateDevice: DeviceAuthenticator }): Promise<void> {
  const { store, groups, metrics } = app.warden;
  app.post<{ Body: MembershipBody }>(
    MEMBERSHIPS_PATH,
    { config: { auth: 'device' }, schema: { tags: ['agent'], description: "This device's group memberships and those of the OS accounts it found, signed with the bundle key", body: MembershipRequest, response: { 200: SignedMemberships, '4xx': ErrorReply } } },
    async (req, reply) => {
      const deviceId = await opts.authenticateDevice(req);
      if (!deviceId) return reply.code(401).send({ statusCode: 401, error: 'unauthorized', message: 'a device credential is required' });
      const device = await store.getDevice(deviceId);
      if (!device) return reply.code(401).send({ statusCode: 401, error: 'unauthorized', message: 'a device credential is required' });
      const rules = (await store.listBans()).filter((e) => !e.id.startsWith('@')).map((e) => e.entry as unknown as BanRule);
      const resolver = await MembershipResolver.load(groups);
      const m = (await resolver.resolve([{ device, logins: req.body.users }], policyGroupNames(rules), true)).get(deviceId);
      metrics.checkins.inc({ kind: 'memberships' });
      return signMemberships(
        { schema: MEMBERSHIPS_SCHEMA, device_id: deviceId, nonce: req.body.nonce, issued_at: new Date(app.warden.now()).toISOString(), device_groups: m?.deviceGroups ?? [], users: m?.userGroups ?? {} },
        opts.key,
      );
    },
  );
}
