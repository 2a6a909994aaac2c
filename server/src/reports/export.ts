// "Every view downloadable": a list route given ?format=csv|json answers with every matching row (not
// one page) as an attachment, with fixed columns so CSV and JSON agree. Exports are audited (before
// the first row leaves) and streamed: rows are read from the database a page at a time and written
// as they come, so exporting 100,000 inventory rows holds one page in memory, not the whole answer.
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { WardenCore } from '../app.ts';
import { csvLine, type Cell } from './csv.ts';

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

/** The export's body, page by page: CSV lines, or one JSON document written in pieces. */
async function* exportBody(core: WardenCore, format: ExportFormatValue, spec: ExportSpec): AsyncGenerator<string> {
  const project = (r: Record<string, Cell>): Record<string, Cell> => Object.fromEntries(spec.columns.map((c) => [c, r[c] ?? null]));
  if (format === 'csv') yield csvLine(spec.columns);
  else yield `{"kind":${JSON.stringify(spec.name)},"generated_at":${JSON.stringify(new Date(core.now()).toISOString())},"columns":${JSON.stringify(spec.columns)},"rows":[`;
  let rows = 0;
  for (let offset = 0; offset < MAX_EXPORT_ROWS; offset += PAGE) {
    const page = await spec.page(PAGE, offset);
    if (page.length > 0) {
      if (format === 'csv') yield page.map((r) => csvLine(spec.columns.map((c) => r[c] ?? null))).join('');
      else yield `${rows > 0 ? ',' : ''}${page.map((r) => JSON.stringify(project(r))).join(',')}`;
    }
    rows += page.length;
    if (page.length < PAGE) break;
  }
  if (format === 'json') yield `],"truncated":${rows >= MAX_EXPORT_ROWS}}`;
}

export async function sendExport(core: WardenCore, req: FastifyRequest, reply: FastifyReply, format: ExportFormatValue, spec: ExportSpec): Promise<FastifyReply> {
  const query = Object.fromEntries(Object.entries(req.query as Record<string, unknown>).filter(([k]) => k !== 'format'));
  await core.audit(req, 'export.read', `export:${spec.name}`, { format, query, max_rows: MAX_EXPORT_ROWS });
  const stamp = new Date(core.now()).toISOString().slice(0, 10);
  void reply.header('content-disposition', `attachment; filename="warden-${spec.name}-${stamp}.${format}"`);
  void reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
  const body = Readable.from(exportBody(core, format, spec));
  body.on('error', (err) => req.log.error({ err }, `export ${spec.name} failed mid-stream`));
  return reply.send(body);
}
