// "Every view downloadable": a list route given ?format=csv|json answers with every matching row (not
// one page) as an attachment, with fixed columns so CSV and JSON agree. Exports are audited.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { WardenCore } from '../app.ts';
import { toCsv, type Cell } from './csv.ts';

export const ExportFormat = { format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { description: 'download every matching row as an attachment' })) };
export type ExportFormatValue = 'csv' | 'json';

const PAGE = 1000;
export const MAX_EXPORT_ROWS = 200_000;

export interface ExportSpec {
  name: string;
  columns: readonly string[];
  /** One page of rows (already projected to the columns) starting at offset. */
  page: (limit: number, offset: number) => Promise<Record<string, Cell>[]>;
}

export async function sendExport(core: WardenCore, req: FastifyRequest, reply: FastifyReply, format: ExportFormatValue, spec: ExportSpec): Promise<FastifyReply> {
  const rows: Record<string, Cell>[] = [];
  for (let offset = 0; offset < MAX_EXPORT_ROWS; offset += PAGE) {
    const page = await spec.page(PAGE, offset);
    rows.push(...page);
    if (page.length < PAGE) break;
  }
  const projected = rows.map((r) => Object.fromEntries(spec.columns.map((c) => [c, r[c] ?? null])));
  const query = Object.fromEntries(Object.entries(req.query as Record<string, unknown>).filter(([k]) => k !== 'format'));
  await core.audit(req, 'export.read', `export:${spec.name}`, { format, rows: projected.length, query });
  const stamp = new Date(core.now()).toISOString().slice(0, 10);
  void reply.header('content-disposition', `attachment; filename="warden-${spec.name}-${stamp}.${format}"`);
  if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(spec.columns, projected));
  return reply.type('application/json; charset=utf-8').send({ kind: spec.name, generated_at: new Date(core.now()).toISOString(), columns: spec.columns, rows: projected, truncated: rows.length >= MAX_EXPORT_ROWS });
}
