// X.509 name constraints (RFC 5280 §4.2.1.10) read and enforced as Go's crypto/x509 does, which
// is what OPA's crypto.x509.parse_and_verify_certificates runs: a CA's permitted and excluded DNS
// names, IP ranges, email addresses and URI domains apply to the subject alternative names of every
// certificate below it in the chain (never the subject's common name); a constraint of another
// kind (directoryName, …) is not understood, which fails verification when the extension is
// critical. Matching follows Go: a leading '.' needs at least one more label, an empty constraint
// matches everything, labels compare case-insensitively, an email constraint with '@' names one
// mailbox, a URI must have a host name (not an IP address) once URI constraints apply.
import { isIPv6 } from 'node:net';
import { children, type Der, oid, readDer, seq } from './der.ts';
import { BuiltinError } from './types.ts';

export interface IpNet {
  ip: Buffer;
  mask: Buffer;
}

export interface NameConstraints {
  critical: boolean;
  /** A constraint of a kind Go does not handle was present. */
  unhandled: boolean;
  permittedDNS: string[];
  excludedDNS: string[];
  permittedIP: IpNet[];
  excludedIP: IpNet[];
  permittedEmail: string[];
  excludedEmail: string[];
  permittedURI: string[];
  excludedURI: string[];
}

/** Go's domainToReverseLabels: the labels last first; null for an empty label, absolute name or a byte outside 33–126. */
export function reverseLabels(domain: string): string[] | null {
  if (domain === '') return [];
  const labels = domain.split('.').reverse();
  for (const l of labels) {
    if (l === '') return null;
    for (let i = 0; i < l.length; i++) {
      const c = l.charCodeAt(i);
      if (c < 33 || c > 126) return null;
    }
  }
  return labels;
}

const ATEXT = /^[0-9A-Za-z!#$%&'*+\-/=?^_`{|}~.]$/;

/** Go's parseRFC2821Mailbox: a dot-atom or quoted local part, '@', a domain; null when not one. */
export function parseMailbox(input: string): { local: string; domain: string } | null {
  if (input === '') return null;
  let local = '';
  let i = 0;
  if (input[0] === '"') {
    i = 1;
    for (;;) {
      if (i >= input.length) return null;
      const c = input.charCodeAt(i++);
      if (c === 0x22) break;
      if (c === 0x5c) {
        if (i >= input.length) return null;
        const n = input.charCodeAt(i);
        if (n === 11 || n === 12 || (n >= 1 && n <= 9) || (n >= 14 && n <= 127)) {
          local += input[i++];
        } else {
          return null;
        }
      } else if (c === 11 || c === 12 || c === 32 || c === 33 || c === 127 || (c >= 1 && c <= 8) || (c >= 14 && c <= 31) || (c >= 35 && c <= 91) || (c >= 93 && c <= 126)) {
        local += String.fromCharCode(c);
      } else {
        return null;
      }
    }
  } else {
    while (i < input.length) {
      let c = input[i]!;
      if (c === '\\') {
        // An escaped character outside quotes: Go accepts it (RFC 3696's examples).
        i++;
        if (i >= input.length) return null;
        c = input[i]!;
      } else if (!ATEXT.test(c)) {
        break;
      }
      local += c;
      i++;
    }
    if (local === '' || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  }
  if (input[i] !== '@') return null;
  const domain = input.slice(i + 1);
  return reverseLabels(domain) ? { local, domain } : null;
}

function ia5(d: Der, what: string): string {
  for (const b of d.content) if (b > 0x7f) throw new BuiltinError(`x509: invalid constraint value: ${what} contains non-ASCII characters`);
  return d.content.toString('latin1');
}

/** Whether a mask is ones then zeros (Go's isValidIPMask). */
function validMask(mask: Buffer): boolean {
  let zero = false;
  for (const b of mask) {
    if (zero) {
      if (b !== 0) return false;
    } else if (b !== 0xff) {
      if (((~b & 0xff) & ((~b & 0xff) + 1)) !== 0) return false;
      zero = true;
    }
  }
  return true;
}

const trimDot = (s: string): string => (s.startsWith('.') ? s.slice(1) : s);

function subtrees(d: Der | undefined, nc: NameConstraints, kind: 'permitted' | 'excluded'): void {
  if (!d) return;
  for (const subtree of children(d)) {
    const [base] = seq(subtree, 'GeneralSubtree');
    if (!base) throw new BuiltinError('x509: invalid NameConstraints extension');
    if (base.tag === 0x82) {
      const domain = ia5(base, 'dNSName constraint');
      if (!reverseLabels(trimDot(domain))) throw new BuiltinError(`x509: failed to parse dnsName constraint "${domain}"`);
      (kind === 'permitted' ? nc.permittedDNS : nc.excludedDNS).push(domain);
    } else if (base.tag === 0x87) {
      const v = base.content;
      if (v.length !== 8 && v.length !== 32) throw new BuiltinError(`x509: IP constraint contained value of length ${v.length}`);
      const half = v.length / 2;
      const net = { ip: v.subarray(0, half), mask: v.subarray(half) };
      if (!validMask(net.mask)) throw new BuiltinError(`x509: IP constraint contained invalid mask ${net.mask.toString('hex')}`);
      (kind === 'permitted' ? nc.permittedIP : nc.excludedIP).push(net);
    } else if (base.tag === 0x81) {
      const c = ia5(base, 'rfc822Name constraint');
      const ok = c.includes('@') ? parseMailbox(c) !== null : reverseLabels(trimDot(c)) !== null;
      if (!ok) throw new BuiltinError(`x509: failed to parse rfc822Name constraint "${c}"`);
      (kind === 'permitted' ? nc.permittedEmail : nc.excludedEmail).push(c);
    } else if (base.tag === 0x86) {
      const c = ia5(base, 'URI constraint');
      if (parseIp(c)) throw new BuiltinError(`x509: failed to parse URI constraint "${c}": cannot be IP address`);
      if (!reverseLabels(trimDot(c))) throw new BuiltinError(`x509: failed to parse URI constraint "${c}"`);
      (kind === 'permitted' ? nc.permittedURI : nc.excludedURI).push(c);
    } else {
      nc.unhandled = true;
    }
  }
}

/** The name constraints extension's value (Go's parseNameConstraintsExtension, its errors included). */
export function parseNameConstraints(value: Buffer, critical: boolean): NameConstraints {
  const nc: NameConstraints = {
    critical, unhandled: false, permittedDNS: [], excludedDNS: [], permittedIP: [], excludedIP: [],
    permittedEmail: [], excludedEmail: [], permittedURI: [], excludedURI: [],
  };
  let parts: Der[];
  try {
    const top = readDer(value);
    if (top.raw.length !== value.length) throw new Error('trailing data');
    parts = seq(top, 'NameConstraints');
  } catch {
    throw new BuiltinError('x509: invalid NameConstraints extension');
  }
  const permitted = parts.find((p) => p.tag === 0xa0);
  const excluded = parts.find((p) => p.tag === 0xa1);
  if (parts.some((p) => p.tag !== 0xa0 && p.tag !== 0xa1)) throw new BuiltinError('x509: invalid NameConstraints extension');
  if (!permitted?.content.length && !excluded?.content.length) throw new BuiltinError('x509: empty name constraints extension');
  subtrees(permitted, nc, 'permitted');
  subtrees(excluded, nc, 'excluded');
  return nc;
}

/** Go's net.IP text: dotted for IPv4 (also IPv4-mapped IPv6), RFC 5952 otherwise. */
export function ipText(ip: Buffer): string {
  if (ip.length === 4) return [...ip].join('.');
  if (ip.length !== 16) return `?${ip.toString('hex')}`;
  if (ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) return [...ip.subarray(12)].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ip.readUInt16BE(i * 2));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Go's Certificate fields for the extension (null where Go's slices are nil). */
export function constraintFields(nc: NameConstraints | null): Record<string, unknown> {
  const list = <T>(xs: T[] | undefined): T[] | null => (xs && xs.length ? xs : null);
  const nets = (xs: IpNet[] | undefined): { IP: string; Mask: string }[] | null => list(xs?.map((n) => ({ IP: ipText(n.ip), Mask: n.mask.toString('base64') })));
  return {
    PermittedDNSDomainsCritical: nc?.critical ?? false,
    PermittedDNSDomains: list(nc?.permittedDNS), ExcludedDNSDomains: list(nc?.excludedDNS),
    PermittedIPRanges: nets(nc?.permittedIP), ExcludedIPRanges: nets(nc?.excludedIP),
    PermittedEmailAddresses: list(nc?.permittedEmail), ExcludedEmailAddresses: list(nc?.excludedEmail),
    PermittedURIDomains: list(nc?.permittedURI), ExcludedURIDomains: list(nc?.excludedURI),
  };
}

function hasConstraints(nc: NameConstraints): boolean {
  return nc.permittedDNS.length + nc.excludedDNS.length + nc.permittedIP.length + nc.excludedIP.length
    + nc.permittedEmail.length + nc.excludedEmail.length + nc.permittedURI.length + nc.excludedURI.length > 0;
}

/** An IPv4 or IPv6 address as Go's net.ParseIP reads it (4 or 16 bytes), else null. */
function parseIp(s: string): Buffer | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const parts = v4.slice(1);
    if (parts.some((p) => Number(p) > 255 || (p.length > 1 && p.startsWith('0')))) return null;
    return Buffer.from(parts.map(Number));
  }
  if (!isIPv6(s) || s.includes('%')) return null;
  let rest = s;
  const out = Buffer.alloc(16);
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (tail) {
    const v = parseIp(tail[1]!);
    if (!v) return null;
    out.set(v, 12);
    rest = `${rest.slice(0, -tail[1]!.length)}0:0`;
  }
  const [head, after] = rest.split('::') as [string, string | undefined];
  const hw = head ? head.split(':') : [];
  const tw = after ? after.split(':') : [];
  const words = after === undefined ? hw : [...hw, ...new Array<string>(8 - hw.length - tw.length).fill('0'), ...tw];
  words.forEach((w, i) => {
    if (!(tail && i >= 6)) out.writeUInt16BE(parseInt(w, 16), i * 2);
  });
  return out;
}

type Match<T> = (name: T, constraint: string) => boolean;

class ConstraintError extends Error {}

/** Go's matchDomainConstraint; `excluded` also catches a wildcard SAN covering an excluded name. */
function matchDomain(domain: string, constraint: string, excluded = false): boolean {
  if (constraint === '') return true;
  const d = reverseLabels(domain);
  if (!d) throw new ConstraintError(`cannot parse domain ${domain}`);
  const must = constraint.startsWith('.');
  const c = reverseLabels(trimDot(constraint));
  if (!c) throw new ConstraintError(`cannot parse domain ${constraint}`);
  const suffix = (n: number): boolean => c.slice(0, n).every((l, i) => l.toLowerCase() === d[i]!.toLowerCase());
  if (excluded && !must && d.length > 0 && d[d.length - 1] === '*' && c.length === d.length && suffix(c.length - 1)) return true;
  if (d.length < c.length || (must && d.length === c.length)) return false;
  return suffix(c.length);
}

function matchEmail(mailbox: { local: string; domain: string }, constraint: string): boolean {
  if (constraint.includes('@')) {
    const c = parseMailbox(constraint);
    if (!c) throw new ConstraintError(`cannot parse constraint ${constraint}`);
    return mailbox.local === c.local && mailbox.domain.toLowerCase() === c.domain.toLowerCase();
  }
  return matchDomain(mailbox.domain, constraint);
}

function matchUri(uri: string, constraint: string): boolean {
  let host: string;
  try {
    host = new URL(uri).host;
  } catch {
    throw new ConstraintError(`cannot parse URI ${uri}`);
  }
  if (host === '') throw new ConstraintError(`URI with empty host (${uri}) cannot be matched against constraints`);
  if (host.includes(':') && !host.endsWith(']')) host = host.slice(0, host.lastIndexOf(':'));
  if ((host.startsWith('[') && host.endsWith(']')) || parseIp(host)) throw new ConstraintError(`URI with IP (${uri}) cannot be matched against constraints`);
  return matchDomain(host, constraint);
}

function matchIp(ip: Buffer, net: IpNet): boolean {
  if (ip.length !== net.ip.length) return false;
  for (let i = 0; i < ip.length; i++) if ((ip[i]! & net.mask[i]!) !== (net.ip[i]! & net.mask[i]!)) return false;
  return true;
}

/** A subject alternative name: its GeneralName tag number and bytes. */
export interface San {
  tag: number;
  data: Buffer;
}

export function sanEntries(value: Buffer): San[] {
  return children(readDer(value)).map((g) => ({ tag: g.tag & 0x1f, data: g.content }));
}

/** Comparisons made so far for one CA certificate, and Go's bound on them (MaxConstraintComparisions). */
export interface Budget {
  count: number;
  max: number;
}

function check<N, C>(budget: Budget, name: N, permitted: C[], excluded: C[], match: (n: N, c: C, excluded: boolean) => boolean): boolean {
  budget.count += excluded.length;
  if (budget.count > budget.max) return false;
  for (const c of excluded) if (match(name, c, true)) return false;
  budget.count += permitted.length;
  if (budget.count > budget.max) return false;
  if (permitted.length === 0) return true;
  return permitted.some((c) => match(name, c, false));
}

/**
 * Whether the names of the certificates below a CA (those with a SAN extension) all satisfy its
 * name constraints (Go's isValid for an intermediate or root). Any name Go cannot match against a
 * constraint of its kind fails it, as does exceeding the comparison budget.
 */
export function satisfiesConstraints(nc: NameConstraints, below: San[][], budget: Budget): boolean {
  if (!hasConstraints(nc)) return true;
  const dns: Match<string> = (n, c) => matchDomain(n, c);
  try {
    for (const sans of below) {
      for (const { tag, data } of sans) {
        let ok = true;
        if (tag === 1) {
          const name = data.toString('latin1');
          const mailbox = parseMailbox(name);
          if (!mailbox) return false;
          ok = check(budget, mailbox, nc.permittedEmail, nc.excludedEmail, matchEmail);
        } else if (tag === 2) {
          const name = data.toString('latin1');
          if (!reverseLabels(name)) return false;
          ok = check(budget, name, nc.permittedDNS, nc.excludedDNS, (n, c, ex) => (ex ? matchDomain(n, c, true) : dns(n, c)));
        } else if (tag === 6) {
          ok = check(budget, data.toString('latin1'), nc.permittedURI, nc.excludedURI, matchUri);
        } else if (tag === 7) {
          if (data.length !== 4 && data.length !== 16) return false;
          ok = check(budget, data, nc.permittedIP, nc.excludedIP, matchIp);
        }
        if (!ok) return false;
      }
    }
  } catch (e) {
    if (e instanceof ConstraintError) return false;
    throw e;
  }
  return true;
}

/** Extensions Go's certificate parser understands (2.5.29.x and authority information access). */
const HANDLED = new Set(['2.5.29.14', '2.5.29.15', '2.5.29.17', '2.5.29.19', '2.5.29.30', '2.5.29.31', '2.5.29.32', '2.5.29.33',
  '2.5.29.35', '2.5.29.36', '2.5.29.37', '2.5.29.54', '1.3.6.1.5.5.7.1.1']);

/** What verification needs of one certificate beyond node:crypto's view of it. */
export interface VerifyFacts {
  /** Its subject alternative names, or null without that extension. */
  sans: San[] | null;
  constraints: NameConstraints | null;
  /** A critical extension Go does not handle (verification fails with it). */
  unhandledCritical: boolean;
  /** basicConstraints' pathLenConstraint, -1 when absent (or no basicConstraints). */
  maxPathLen: number;
}

export function verifyFacts(der: Buffer): VerifyFacts {
  const facts: VerifyFacts = { sans: null, constraints: null, unhandledCritical: false, maxPathLen: -1 };
  const [tbs] = seq(readDer(der), 'certificate');
  const ext = seq(tbs, 'tbsCertificate').find((x) => x.tag === 0xa3);
  for (const e of ext ? seq(readDer(ext.content), 'extensions') : []) {
    const parts = seq(e, 'extension');
    const id = oid(parts[0]!);
    const critical = parts.length === 3 && parts[1]!.tag === 0x01 && parts[1]!.content[0] !== 0;
    const value = parts[parts.length - 1]!.content;
    let unhandled = !HANDLED.has(id);
    if (id === '2.5.29.17') {
      facts.sans = sanEntries(value);
      // Go treats a SAN extension holding none of the names it reads as not understood.
      unhandled = !facts.sans.some((n) => n.tag === 1 || n.tag === 2 || n.tag === 6 || n.tag === 7);
    } else if (id === '2.5.29.30') {
      facts.constraints = parseNameConstraints(value, critical);
      unhandled = facts.constraints.unhandled;
    } else if (id === '2.5.29.19') {
      const pathLen = children(readDer(value)).find((c) => c.tag === 0x02);
      if (pathLen) facts.maxPathLen = pathLen.content.length ? pathLen.content.readUIntBE(0, Math.min(pathLen.content.length, 6)) : 0;
    }
    if (critical && unhandled) facts.unhandledCritical = true;
  }
  return facts;
}
