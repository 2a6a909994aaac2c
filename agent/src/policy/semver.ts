// Versions for policy: tools report versions in many shapes ("2.0", "v1.4.2", "1.2.3-beta.1"); rules
// name full semver bounds. The agent coerces what it can to semver before evaluation, and supplies
// `semver.compare` to the WASM module (the opa-wasm SDK has no implementation of its own).

const COERCE = /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:\.\d+)*(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const STRICT = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** "2.0" → "2.0.0", "v1.4.2" → "1.4.2", "1.2.3.4" → "1.2.3"; null when it is not a version. */
export function coerceSemver(version: string | null): string | null {
  if (version === null) return null;
  const m = COERCE.exec(version.trim());
  if (!m) return null;
  return `${m[1]}.${m[2] ?? '0'}.${m[3] ?? '0'}${m[4] ?? ''}${m[5] ?? ''}`;
}

function comparePre(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1; // a release ranks above its pre-releases
  if (b === undefined) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (nx !== ny) {
      return nx ? -1 : 1; // numeric identifiers rank below alphanumeric ones
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** SemVer 2.0 precedence: -1, 0 or 1. Throws on a string that is not semver (as OPA's builtin errors). */
export function compareSemver(a: string, b: string): number {
  const ma = STRICT.exec(a);
  const mb = STRICT.exec(b);
  if (!ma) throw new Error(`semver.compare: '${a}' is not a valid semver`);
  if (!mb) throw new Error(`semver.compare: '${b}' is not a valid semver`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(ma[i]) - Number(mb[i]);
    if (d !== 0) return Math.sign(d);
  }
  return comparePre(ma[4], mb[4]);
}
