// Hits → findings: one finding per tool × user × install channel. Traces (config, cache, data
// folders) and running processes attach to the install they belong to when there is one.
import type { Catalog, CatalogTool } from '../../../wire/src/catalog.ts';
import type { Confidence, Evidence, Finding } from '../../../wire/src/inventory.ts';
import type { Hit } from './hit.ts';
import { compareVersions } from './manifests.ts';

function evidenceOf(h: Hit): Evidence {
  const e: Evidence = { signal: h.signal, path: h.path, strong: h.strong };
  if (h.version) e.version = h.version;
  if (h.detail) e.detail = h.detail;
  return e;
}

/**
 * high: a version-bearing install manifest, or two signals at different paths, one of them strong;
 * medium: one strong signal without a version, or two independent traces; low: one trace alone.
 */
export function confidenceOf(evidence: Evidence[]): Confidence {
  const strong = evidence.filter((e) => e.strong);
  if (strong.some((e) => e.version && e.signal !== 'process')) return 'high';
  // Independent = different places: a PATH hit and a catalog path on the same file count once.
  const places = new Set(evidence.map((e) => e.path));
  if (strong.length > 0 && places.size >= 2) return 'high';
  if (strong.length > 0 || places.size >= 2) return 'medium';
  return 'low';
}

function pickVersion(evidence: Evidence[]): string | null {
  const strongV = evidence.filter((e) => e.strong && e.version).map((e) => e.version!);
  const all = strongV.length ? strongV : evidence.filter((e) => e.version).map((e) => e.version!);
  if (!all.length) return null;
  return all.sort(compareVersions)[all.length - 1]!;
}

export function aggregate(catalog: Catalog, hits: Hit[]): Finding[] {
  const tools = new Map<string, CatalogTool>(catalog.tools.map((t) => [t.id, t]));
  const findings = new Map<string, Finding>();
  const make = (h: Hit, channel: Finding['channel']): Finding => {
    const t = tools.get(h.tool)!;
    return { tool_id: t.id, name: t.name, vendor: t.vendor, vendor_country: t.vendor_country, category: t.category, version: null, channel, user: h.user, paths: [], evidence: [], confidence: 'low', running: [] };
  };
  const add = (f: Finding, h: Hit) => {
    if (!f.evidence.some((e) => e.path === h.path && e.signal === h.signal)) f.evidence.push(evidenceOf(h));
    if (!f.paths.includes(h.path)) f.paths.push(h.path);
    if (h.running && !f.running.some((r) => r.pid === h.running!.pid)) f.running.push(h.running);
    for (const m of h.mcp ?? []) {
      f.mcp_servers ??= [];
      if (!f.mcp_servers.some((x) => x.name === m.name && x.config === m.config && x.scope === m.scope)) f.mcp_servers.push(m);
    }
  };
  const ofTool = (tool: string) => [...findings.values()].filter((f) => f.tool_id === tool && f.channel !== 'traces');

  // 1. installs
  for (const h of hits) {
    if (h.running || h.channel === 'traces' || h.channel === 'process') continue;
    const key = `${h.tool}\0${h.user ?? ''}\0${h.channel}`;
    let f = findings.get(key);
    if (!f) findings.set(key, (f = make(h, h.channel)));
    add(f, h);
  }
  // 2. running processes: to the install whose folder they run from, else the tool's install.
  for (const h of hits) {
    if (!h.running) continue;
    const cands = ofTool(h.tool);
    const f =
      cands.find((c) => c.paths.includes(h.path)) ??
      cands.find((c) => c.user === h.user && (c.channel === h.channel || h.channel === 'process')) ??
      (h.channel === 'process' ? cands[0] : undefined);
    if (f) add(f, h);
    else {
      const key = `${h.tool}\0${h.user ?? ''}\0${h.channel}`;
      let nf = findings.get(key);
      if (!nf) findings.set(key, (nf = make(h, h.channel)));
      add(nf, h);
    }
  }
  // 3. traces: to the same user's install (machine-wide traces to any install), else their own.
  for (const h of hits) {
    if (h.running || h.channel !== 'traces') continue;
    const cands = ofTool(h.tool);
    const f = cands.find((c) => c.user === h.user) ?? (h.user === null ? cands[0] : undefined);
    if (f) add(f, h);
    else {
      const key = `${h.tool}\0${h.user ?? ''}\0traces`;
      let nf = findings.get(key);
      if (!nf) findings.set(key, (nf = make(h, 'traces')));
      add(nf, h);
    }
  }
  const out = [...findings.values()];
  for (const f of out) {
    f.version = pickVersion(f.evidence);
    f.confidence = confidenceOf(f.evidence);
  }
  return out.sort((a, b) => a.tool_id.localeCompare(b.tool_id) || (a.user ?? '').localeCompare(b.user ?? '') || a.channel.localeCompare(b.channel));
}
