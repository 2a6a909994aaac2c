// io.jwt builtins the WASM runtime cannot hold: verify_rs*/ps*/es*/eddsa (public-key signatures),
// decode_verify (every algorithm, and the host's clock when no "time" constraint is given) and
// encode_sign / encode_sign_raw. io.jwt.decode and verify_hs* stay in the WASM runtime.
import { ALGORITHMS, signData, signingKey, verificationKeys, verifySignature, type VerificationKey } from './jwt-keys.ts';
import type { HostImplementations } from './session.ts';
import { BuiltinError, obj, str, type EvalContext } from './types.ts';

interface Token {
  header: string;
  payload: string;
  signature: Buffer;
  /** The header and payload sections as they appear in the token (the signing input). */
  signingInput: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Go's base64.RawURLEncoding, padding tolerated: bytes, or an error naming the offending byte. */
function b64url(s: string, what: string): Buffer {
  const t = s.replace(/=+$/, '');
  const bad = t.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0) throw new BuiltinError(`JWT ${what} had invalid encoding: illegal base64 data at input byte ${bad}`);
  if (t.length % 4 === 1) throw new BuiltinError(`JWT ${what} had invalid encoding: illegal base64 data at input byte ${t.length - 1}`);
  return Buffer.from(t, 'base64url');
}

function split(jwt: string): Token {
  const parts = jwt.split('.');
  if (parts.length === 1) throw new BuiltinError('encoded JWT had no period separators');
  if (parts.length !== 3) throw new BuiltinError(`encoded JWT must have 3 sections, found ${parts.length}`);
  const [h, p, s] = parts as [string, string, string];
  if (!B64URL.test(h.replace(/=+$/, ''))) b64url(h, 'header');
  return {
    header: b64url(h, 'header').toString('utf8'),
    payload: b64url(p, 'payload').toString('utf8'),
    signature: b64url(s, 'signature'),
    signingInput: Buffer.from(`${h}.${p}`),
  };
}

function jsonObject(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new BuiltinError(`JWT ${what} is not valid JSON`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BuiltinError(`JWT ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function header(t: Token): Record<string, unknown> {
  const h = jsonObject(t.header, 'header');
  if ('enc' in h) throw new BuiltinError('JWT is a JWE object, which is not supported');
  return h;
}

/** verify_<alg>(jwt, certificate): the token's signature under any of the keys (the kid's first). */
function verifyWith(alg: string) {
  return (jwt: unknown, cert: unknown): boolean => {
    const t = split(str(jwt, 1));
    const keys = verificationKeys(str(cert, 2));
    const h = header(t);
    const kid = typeof h.kid === 'string' ? h.kid : '';
    if (kid !== '') {
      const k = keys.find((x) => x.kid === kid);
      if (k) return verifySignature(alg, k.key, t.signingInput, t.signature);
    }
    return keys.some((k) => verifySignature(alg, k.key, t.signingInput, t.signature));
  };
}

interface Constraints {
  keys?: VerificationKey[];
  secret?: string;
  alg?: string;
  iss?: string;
  aud?: string;
  timeNs: number;
}

function constraints(c: Record<string, unknown>, ctx: EvalContext): Constraints {
  const out: Constraints = { timeNs: ctx.nowNs };
  for (const [k, v] of Object.entries(c)) {
    const s = (): string => {
      if (typeof v !== 'string') throw new BuiltinError(`${k} constraint: must be a string`);
      return v;
    };
    if (k === 'cert') out.keys = verificationKeys(s());
    else if (k === 'secret') out.secret = s();
    else if (k === 'alg') out.alg = s();
    else if (k === 'iss') out.iss = s();
    else if (k === 'aud') out.aud = s();
    else if (k === 'time') {
      if (typeof v !== 'number') throw new BuiltinError('time constraint: must be a number');
      out.timeNs = v;
    } else throw new BuiltinError(`unknown token validation constraint: ${k}`);
  }
  if (out.keys && out.secret !== undefined) throw new BuiltinError('duplicate key constraints');
  if (!out.keys && out.secret === undefined) throw new BuiltinError('no key constraint: give "cert" or "secret"');
  return out;
}

/** OPA's verify step: the kid's key if one matches, else any key whose alg (if it has one) fits. */
function signatureOk(c: Constraints, h: Record<string, unknown>, alg: string, t: Token): boolean {
  if (!(alg in ALGORITHMS)) throw new BuiltinError(`unknown JWS algorithm: ${alg}`);
  if (c.keys) {
    const kid = typeof h.kid === 'string' ? h.kid : '';
    if (kid !== '') {
      const k = c.keys.find((x) => x.kid === kid);
      if (k) return verifySignature(alg, k.key, t.signingInput, t.signature);
    }
    return c.keys.some((k) => (k.alg === undefined || k.alg === alg) && verifySignature(alg, k.key, t.signingInput, t.signature));
  }
  if (!alg.startsWith('HS')) throw new BuiltinError(`incorrect key type for ${alg}: a "secret" verifies HMAC tokens only`);
  return verifySignature(alg, Buffer.from(c.secret ?? '', 'utf8'), t.signingInput, t.signature);
}

const UNVERIFIED = (): [boolean, object, object] => [false, {}, {}];

function decodeVerify(ctx: () => EvalContext) {
  return (jwt: unknown, cons: unknown): [boolean, object, object] => {
    let token = str(jwt, 1);
    const c = constraints(obj(cons, 2), ctx());
    let h: Record<string, unknown>;
    let t: Token;
    for (;;) {
      t = split(token);
      h = header(t);
      const alg = typeof h.alg === 'string' ? h.alg : '';
      // RFC 7515 4.1.1: alg is required; 4.1.11: a critical extension we do not know fails.
      if (alg === '' || (Array.isArray(h.crit) && h.crit.length > 0)) return UNVERIFIED();
      if (c.alg !== undefined && c.alg !== alg) return UNVERIFIED();
      if (!signatureOk(c, h, alg, t)) return UNVERIFIED();
      if (h.cty !== 'JWT') break;
      // Nested token: the payload is the inner token (raw, or as a JSON string).
      token = t.payload.startsWith('"') ? String(JSON.parse(t.payload)) : t.payload;
    }
    const p = jsonObject(t.payload, 'payload');
    if (c.iss !== undefined && p.iss !== c.iss) return UNVERIFIED();
    if ('aud' in p) {
      if (c.aud === undefined) return UNVERIFIED();
      const ok = typeof p.aud === 'string' ? p.aud === c.aud : Array.isArray(p.aud) && p.aud.includes(c.aud);
      if (!ok) return UNVERIFIED();
    } else if (c.aud !== undefined) return UNVERIFIED();
    const now = c.timeNs / 1e9;
    if ('exp' in p) {
      if (typeof p.exp !== 'number') throw new BuiltinError('exp value must be a number');
      if (now >= p.exp) return UNVERIFIED();
    }
    if ('nbf' in p) {
      if (typeof p.nbf !== 'number') throw new BuiltinError('nbf value must be a number');
      if (now < p.nbf) return UNVERIFIED();
    }
    return [true, h, p];
  };
}

/** Go's encoding/json output for a JSON value: object keys sorted, <, > and & escaped. */
export function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${goJson(k)}:${goJson(o[k])}`).join(',')}}`;
  }
  if (typeof v === 'string') return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return JSON.stringify(v);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The JWS compact serialization of payload under header (both as given) signed with jwk. */
function encodeSignRaw(headerText: string, payloadText: string, jwkText: string): string {
  if (headerText.trim() === '') throw new BuiltinError("missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
  let h: unknown;
  try {
    h = JSON.parse(headerText);
  } catch (e) {
    if (headerText.trim().startsWith('{')) throw new BuiltinError(`missing or invalid 'alg' header: cannot parse JSON: ${(e as Error).message}`);
    throw new BuiltinError('missing or invalid \'alg\' header: jwsbb: header "alg" not found');
  }
  const hdr = (h && typeof h === 'object' && !Array.isArray(h) ? h : {}) as Record<string, unknown>;
  if (typeof hdr.alg !== 'string') throw new BuiltinError('missing or invalid \'alg\' header: jwsbb: header "alg" not found');
  const alg = hdr.alg;
  if (!(alg in ALGORITHMS)) throw new BuiltinError(`unknown JWS algorithm: ${alg}`);
  const typ = hdr.typ;
  if ((typ === undefined || typ === '' || typ === 'JWT') && !isJson(payloadText)) throw new BuiltinError('type is JWT but payload is not JSON');
  const { key } = signingKey(jwkText);
  const input = `${Buffer.from(headerText).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`;
  return `${input}.${signData(alg, key, Buffer.from(input)).toString('base64url')}`;
}

export const jwtBuiltins: HostImplementations = (ctx) => {
  const out: Record<string, (...args: unknown[]) => unknown> = {
    'io.jwt.decode_verify': decodeVerify(ctx),
    'io.jwt.encode_sign_raw': (h: unknown, p: unknown, k: unknown) => encodeSignRaw(str(h, 1), str(p, 2), str(k, 3)),
    'io.jwt.encode_sign': (h: unknown, p: unknown, k: unknown) => encodeSignRaw(goJson(obj(h, 1)), goJson(obj(p, 2)), goJson(obj(k, 3))),
    'io.jwt.verify_eddsa': verifyWith('EdDSA'),
  };
  for (const alg of ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']) out[`io.jwt.verify_${alg.toLowerCase()}`] = verifyWith(alg);
  return out;
};
