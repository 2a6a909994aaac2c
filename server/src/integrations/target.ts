// Where a webhook may point. Its URL is an admin's input but the request comes from inside the
// network, so by default only public addresses are reachable: loopback, private, link-local (cloud
// metadata at 169.254.169.254), unique-local, CGNAT, multicast and reserved ranges are refused unless
// the server's allow-list names them (`--webhook-allow 10.0.0.0/8,siem.corp.internal`).
// The check runs on the address actually connected to (a lookup hook), so a DNS name that resolves to
// a public address when saved and to 127.0.0.1 at delivery (rebinding) is still refused.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

export interface TargetPolicy {
  /** CIDRs (10.0.0.0/8, ::1/128), addresses, or host names (exact, case-insensitive) allowed although internal. */
  allow: string[];
}

const PUBLIC_RANGES = new Set(['unicast']);

export class TargetRefused extends Error {
  readonly code = 'ETARGETREFUSED';
}

function parsedAllow(allow: string[]): { cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][]; hosts: Set<string> } {
  const cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  const hosts = new Set<string>();
  for (const a of allow.map((x) => x.trim()).filter((x) => x !== '')) {
    if (a.includes('/')) cidrs.push(ipaddr.parseCIDR(a));
    else if (ipaddr.isValid(a)) {
      const ip = ipaddr.parse(a);
      cidrs.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else hosts.add(a.toLowerCase());
  }
  return { cidrs, hosts };
}

/** Problems with an allow-list entry (bad CIDR), empty when fine. */
export function allowListProblems(allow: string[]): string[] {
  const out: string[] = [];
  for (const a of allow) {
    if (!a.includes('/')) continue;
    try {
      ipaddr.parseCIDR(a);
    } catch {
      out.push(`'${a}' is not a CIDR range`);
    }
  }
  return out;
}

export class TargetGuard {
  private readonly cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  private readonly hosts: Set<string>;

  constructor(policy: TargetPolicy) {
    ({ cidrs: this.cidrs, hosts: this.hosts } = parsedAllow(policy.allow));
  }

  /** Why connecting to `address` (for `host`) is refused, or null when it is allowed. */
  addressProblem(host: string, address: string): string | null {
    if (!ipaddr.isValid(address)) return `'${address}' is not an IP address`;
    let ip = ipaddr.parse(address);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    if (this.hosts.has(host.toLowerCase())) return null;
    if (this.cidrs.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits))) return null;
    const range = ip.range();
    if (PUBLIC_RANGES.has(range)) return null;
    return `${host} resolves to ${address} (${range}), an internal address: add it to the webhook allow-list to reach it`;
  }

  /** Checks a URL as saved: scheme, no credentials, and a literal address outside the allow-list. */
  urlProblem(raw: string): string | null {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return `'${raw}' is not a URL`;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return `only http and https URLs are allowed, not ${u.protocol}`;
    if (u.username || u.password) return 'put no credentials in the URL (receivers verify the signature instead)';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (ipaddr.isValid(host)) return this.addressProblem(host, host);
    return null;
  }

  /** A dns lookup for http.request that refuses internal addresses (checked at connect time). */
  lookup(): (hostname: string, options: object, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void {
    return (hostname, options, cb) => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return cb(err, []);
        for (const a of addresses) {
          const problem = this.addressProblem(hostname, a.address);
          if (problem) return cb(new TargetRefused(problem), []);
        }
        const all = (options as { all?: boolean }).all === true;
        if (all) return cb(null, addresses);
        const first = addresses[0]!;
        return cb(null, first.address, first.family);
      });
    };
  }
}
