// Device groups by rule: a query over what a device reported (platform, hostname, agent version,
// serial). Every criterion given must hold; within a list any entry may match (the ban list's own
// convention, wire/src/banlist.ts). A device is in a device group when it is labelled by hand OR the
// group's rule holds for it.
import { Type, type Static } from '@sinclair/typebox';
import { VersionRange } from '../../../wire/src/banlist.ts';
import { coerceSemver, compareSemver } from '../../../agent/src/policy/semver.ts';

export const DeviceRule = Type.Object(
  {
    platforms: Type.Optional(Type.Array(Type.Union([Type.Literal('linux'), Type.Literal('darwin'), Type.Literal('win32')]), { minItems: 1, maxItems: 3 })),
    hostnames: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s]+$' }), {
        minItems: 1,
        maxItems: 200,
        description: 'hostname globs: * any run of characters, ? one character; case-insensitive (build-*, *.ci.example.com)',
      }),
    ),
    agent_version: Type.Optional(VersionRange),
    serials: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 20_000, description: 'serial numbers, case-insensitive' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type DeviceRule = Static<typeof DeviceRule>;

/** What a rule looks at: the device's latest reported facts. */
export interface DeviceFacts {
  hostname: string;
  platform: string;
  agentVersion: string;
  serial: string | null;
}

/** A hostname glob as an anchored, case-insensitive regular expression (hostnames are not paths: no / or ** semantics). */
export function hostnameGlob(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function versionOk(range: VersionRange, version: string): boolean {
  const v = coerceSemver(version);
  if (v === null) return false; // an unparseable version never matches a range (as in ban rules)
  if (range.lt !== undefined && !(compareSemver(v, range.lt) < 0)) return false;
  if (range.lte !== undefined && !(compareSemver(v, range.lte) <= 0)) return false;
  if (range.gt !== undefined && !(compareSemver(v, range.gt) > 0)) return false;
  if (range.gte !== undefined && !(compareSemver(v, range.gte) >= 0)) return false;
  return true;
}

/** Compiles a rule once into a predicate (fleet-wide evaluation tests thousands of devices). */
export function compileRule(rule: DeviceRule): (d: DeviceFacts) => boolean {
  const globs = rule.hostnames?.map(hostnameGlob);
  const serials = rule.serials ? new Set(rule.serials.map((s) => s.trim().toUpperCase())) : null;
  return (d) => {
    if (rule.platforms && !rule.platforms.some((p) => p === d.platform)) return false;
    if (globs && !globs.some((g) => g.test(d.hostname))) return false;
    if (rule.agent_version && !versionOk(rule.agent_version, d.agentVersion)) return false;
    if (serials && (d.serial === null || !serials.has(d.serial.trim().toUpperCase()))) return false;
    return true;
  };
}
