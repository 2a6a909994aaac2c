// Registers the core's routes (the bundle service and push are registered by their own plugins).
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.ts';
import { NoQuery } from '../schemas/api.ts';
import { enrollRoutes } from './enroll.ts';
import { agentRoutes } from './agent.ts';
import { accessRoutes } from './access.ts';
import { deviceRoutes } from './devices.ts';
import { banRoutes } from './bans.ts';
import { exceptionRoutes } from './exceptions.ts';
import { reportRoutes } from './reports.ts';
import { groupRoutes } from './groups.ts';
import { SCIM_PREFIX, scimRoutes } from './scim.ts';
import { sessionRoutes } from './session.ts';
import { fleetRoutes } from './fleet.ts';
import { integrationRoutes } from './integrations.ts';
import { gitopsRoutes } from './gitops.ts';

export async function coreRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  // Inside this plugin only: a core route that declares no query parameters refuses any it is sent.
  app.addHook('onRoute', (r) => {
    r.schema ??= {};
    r.schema.querystring ??= NoQuery;
  });
  for (const routes of [enrollRoutes, agentRoutes, accessRoutes, sessionRoutes, deviceRoutes, banRoutes, exceptionRoutes, reportRoutes, groupRoutes, fleetRoutes, integrationRoutes, gitopsRoutes]) {
    await routes(app, ctx);
  }
  // Its own context: SCIM's content type, error documents and not-found answers stay under its prefix.
  await app.register(scimRoutes, { ...ctx, prefix: SCIM_PREFIX });
}
