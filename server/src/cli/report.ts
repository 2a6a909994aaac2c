// `warden report <kind> --format csv|json [--out FILE]`: compliance reports over the admin API.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REPORT_KINDS } from '../schemas/api.ts';
import { AdminCliError, adminClient } from './admin-client.ts';

const USAGE = `usage: warden report <kind> [--format csv|json] [--out FILE] [--server URL] [--token-file FILE]
kinds: ${REPORT_KINDS.join(', ')}
`;

export default async function reportCommand(args: string[]): Promise<number> {
  try {
    const { values: v, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string' }, out: { type: 'string' }, server: { type: 'string' }, 'token-file': { type: 'string' } } });
    const kind = positionals[0];
    if (!kind || positionals.length > 1 || !(REPORT_KINDS as readonly string[]).includes(kind)) {
      process.stderr.write(kind && !(REPORT_KINDS as readonly string[]).includes(kind) ? `warden report: unknown report '${kind}'\n${USAGE}` : USAGE);
      return 2;
    }
    const format = v.format ?? 'json';
    if (format !== 'csv' && format !== 'json') throw new AdminCliError(`--format must be csv or json, got '${format}'`);
    const api = adminClient({ server: v.server, tokenFile: v['token-file'] });
    const r = await api.request('GET', `/api/v1/reports/${kind}?format=${format}`);
    const text = format === 'json' ? `${JSON.stringify(r.json(), null, 2)}\n` : r.text;
    if (v.out) writeFileSync(v.out, text);
    else process.stdout.write(text);
    return 0;
  } catch (e) {
    if (e instanceof AdminCliError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`warden report: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}
