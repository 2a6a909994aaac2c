// Synthetic fleet data shared by the benchmarks: a 1,000-rule ban list exercising every rule kind,
// and a 50-finding inventory whose tools those rules match.
import type { BanList, BanRule } from '../wire/src/banlist.ts';
import type { Finding, Inventory } from '../wire/src/inventory.ts';

const ACTIONS = ['block', 'quarantine', 'warn', 'notify', 'observe', 'allow'] as const;
const countries = ['US', 'CN', 'FR', 'DE', 'IL', 'GB'];
const categories = ['agentic-cli', 'ide', 'ide-extension', 'desktop-app', 'browser-extension'];

export function banList(): BanList {
  const rules: BanRule[] = [];
  for (let i = 0; i < 1000; i++) {
    const action = ACTIONS[i % ACTIONS.length]!;
    const kind = i % 10;
    const match: BanRule['match'] =
      kind < 6 ? { tools: [`tool-${i}`] }
      : kind === 6 ? { vendors: [`Vendor ${i}`] }
      : kind === 7 ? { tools: [`tool-${i % 50}`], version: { lt: `${1 + (i % 3)}.0.0` } }
      : kind === 8 ? { vendor_countries: [countries[i % countries.length]!], categories: [categories[i % categories.length]!], device_groups: [`group-${i % 7}`] }
      : { tools: [`tool-${i % 50}`], user_groups: [`team-${i % 5}`] };
    rules.push({ id: `rule-${i}`, action, match, ...(i % 13 === 0 ? { grace_until: '2027-01-01T00:00:00Z' } : {}) });
  }
  return { schema: 'warden.banlist/v1', name: 'bench', mode: 'enforce', default_action: 'observe', message: 'Not approved.', alternative: 'Qoder', rules, exceptions: [] };
}

export function inventory50(): Inventory {
  const findings: Finding[] = Array.from({ length: 50 }, (_, i) => ({
    tool_id: `tool-${i}`,
    name: `Tool ${i}`,
    vendor: `Vendor ${i}`,
    vendor_country: countries[i % countries.length]!,
    category: categories[i % categories.length]!,
    version: `${i % 4}.${i % 10}.${i}`,
    channel: 'npm',
    user: `user${i % 5}`,
    paths: [`/usr/local/lib/node_modules/tool-${i}`],
    evidence: [{ signal: 'npm_package', path: `/usr/local/lib/node_modules/tool-${i}`, strong: true }],
    confidence: 'high',
    running: [],
  }));
  return {
    schema_version: 1,
    scanned_at: new Date().toISOString(),
    duration_ms: 1,
    root: '/',
    catalog_version: 'bench',
    host: { hostname: 'bench', os: { platform: 'linux', distro: 'x', release: '1', arch: 'x64' }, serial: null, users: ['user0', 'user1', 'user2', 'user3', 'user4'] },
    findings,
    skipped: [],
  };
}
