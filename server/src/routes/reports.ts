// Reports (CSV or JSON), the audit log, Prometheus metrics and the health check.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { AUDIT_ROLES, READ_ROLES } from '../auth/principal.ts';
import { PageQuery, ReportParams, ReportQuery, Strict, type ReportKind } from '../schemas/api.ts';
import { buildReport } from '../reports/build.ts';
import { toCsv } from '../reports/csv.ts';
import { auditDto } from './dto.ts';
import { ExportFormat, sendExport } from '../reports/export.ts';
import type { RouteContext } from './context.ts';

const AuditQuery = Type.Object({ actor: Type.Optional(Type.String({ maxLength: 200 })), action: Type.Optional(Type.String({ maxLength: 100 })), ...PageQuery, ...ExportFormat }, Strict);
const AUDIT_COLUMNS = ['seq', 'at', 'actor', 'action', 'target', 'why', 'detail', 'ip'] as const;

export async function reportRoutes(app: FastifyInstance, { core }: RouteContext): Promise<void> {
  const { store, metrics } = core;

  app.get<{ Params: { kind: ReportKind }; Querystring: Static<typeof ReportQuery> }>(
    '/api/v1/reports/:kind',
    { config: { auth: READ_ROLES }, schema: { tags: ['reports'], description: 'inventory-by-tool|version|vendor|device, noncompliant-devices, exceptions; ?format=csv|json', params: ReportParams, querystring: ReportQuery } },
    async (req, reply) => {
      const report = await buildReport(core, req.params.kind);
      await core.audit(req, 'report.read', `report:${report.kind}`, { format: req.query.format ?? 'json', rows: report.rows.length });
      if (req.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="warden-${report.kind}.csv"`)
          .send(toCsv(report.columns, report.rows));
      }
      return report;
    },
  );

  app.get<{ Querystring: Static<typeof AuditQuery> }>('/api/v1/audit', { config: { auth: AUDIT_ROLES }, schema: { tags: ['audit'], description: 'The append-only audit log, newest first; ?format=csv|json exports it', querystring: AuditQuery } }, async (req, reply) => {
    const { format, limit, offset, ...f } = req.query;
    if (format) {
      return sendExport(core, req, reply, format, {
        name: 'audit',
        columns: AUDIT_COLUMNS,
        page: async (l, o) => (await store.listAudit({ ...f, limit: l, offset: o })).map((a) => {
          const d = auditDto(a);
          return { ...d, why: typeof a.detail.why === 'string' ? a.detail.why : null, detail: JSON.stringify(a.detail) };
        }),
      });
    }
    return { entries: (await store.listAudit({ ...f, ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) })).map(auditDto) };
  });

  app.get('/metrics', { config: { auth: READ_ROLES }, schema: { tags: ['ops'], description: 'Prometheus metrics (scrape with an auditor token)' } }, async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/healthz', { config: { auth: 'public' }, schema: { tags: ['ops'], security: [], description: 'Liveness and database reachability' } }, async (_req, reply) => {
    try {
      await store.banRevision();
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ statusCode: 503, error: 'unavailable', message: 'database unreachable' });
    }
  });
}
