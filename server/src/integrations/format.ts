// How an integration event is written for a receiver: 'json' (one object; the stream's JSON lines) or
// 'cef' (ArcSight Common Event Format, one line; Splunk, Sentinel and QRadar parse it natively).
import type { IntegrationEvent } from './event-log.ts';

export type EventFormat = 'json' | 'cef';
export const EVENT_FORMATS: readonly EventFormat[] = ['json', 'cef'];

export function eventJson(e: IntegrationEvent): Record<string, unknown> {
  return { id: e.id, seq: e.seq, type: e.type, timestamp: new Date(e.at).toISOString(), device_id: e.deviceId, data: e.data };
}

const SEVERITY: [RegExp, number][] = [
  [/^enforcement\.(kill|watch_kill|quarantine)$/, 7],
  [/^enforcement\.(notice|configure)$/, 5],
  [/^audit\.(auth\.login_failed|ban\.|exception\.approve|device\.revoke|webhook\.|gitops\.)/, 5],
  [/^agent\.health$/, 4],
];

function severity(e: IntegrationEvent): number {
  if (e.type === 'agent.health' && e.data.compliance === 'noncompliant') return 6;
  return SEVERITY.find(([re]) => re.test(e.type))?.[1] ?? 3;
}

// CEF escaping: header fields escape \ and |; extension values escape \ and = and encode newlines.
const header = (s: string): string => s.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
const ext = (s: string): string => s.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r?\n|\r/g, '\\n');

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export function eventCef(e: IntegrationEvent): string {
  const d = e.data;
  const ev = (d.event ?? {}) as Record<string, unknown>;
  const name =
    e.type.startsWith('enforcement.') ? `${str(ev.kind) ?? 'event'} ${str(ev.tool) ?? ''} (${str(ev.result) ?? ''})`.trim()
    : e.type === 'inventory.changed' ? 'inventory changed'
    : e.type === 'agent.health' ? `agent ${str(d.compliance) ?? 'unknown'}`
    : `${str(d.action) ?? e.type} ${str(d.target) ?? ''}`.trim();
  const fields: [string, string | null][] = [
    ['rt', String(e.at)],
    ['externalId', e.id],
    ['cn1Label', 'seq'], ['cn1', String(e.seq)],
    ['deviceExternalId', e.deviceId],
    ['dvchost', str(d.hostname)],
    ['suser', str(d.actor)],
    ['src', str(d.ip)],
    ['act', str(ev.action) ?? str(d.action)],
    ['outcome', str(ev.result)],
    ['cs1Label', str(ev.tool) ? 'tool' : null], ['cs1', str(ev.tool)],
    ['cs2Label', str(ev.rule) ? 'rule' : null], ['cs2', str(ev.rule)],
    ['msg', str(ev.detail) ?? str(ev.reason) ?? (d.detail ? JSON.stringify(d.detail) : null)],
  ];
  const extension = fields.filter(([, v]) => v !== null).map(([k, v]) => `${k}=${ext(v!)}`).join(' ');
  return `CEF:0|warden|warden|1|${header(e.type)}|${header(name)}|${severity(e)}|${extension}`;
}

export function formatEvent(e: IntegrationEvent, format: EventFormat): { body: string; contentType: string } {
  return format === 'cef' ? { body: eventCef(e), contentType: 'text/plain; charset=utf-8' } : { body: JSON.stringify(eventJson(e)), contentType: 'application/json' };
}
