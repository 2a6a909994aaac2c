// providers.aws.sign_req(request, aws_config, time_ns): the request with AWS Signature Version 4
// headers added (the host computes the headers, the module merges them into the request) (Authorization, host, x-amz-date, x-amz-content-sha256, x-amz-security-token).
// Pure computation: the policy gets a signed request object; nothing is sent.
import { createHash, createHmac } from 'node:crypto';
import { goJson } from './jwt.ts';
import type { HostImplementations } from './session.ts';
import { BuiltinError, obj } from './types.ts';

/** OPA prints a set of names as {"a", "b"} (sorted). */
const setText = (names: string[]): string => `{${names.sort().map((n) => JSON.stringify(n)).join(', ')}}`;

function required(o: Record<string, unknown>, names: string[], pos: number, what: string): void {
  const missing = names.filter((n) => !(n in o));
  if (missing.length) throw new BuiltinError(`operand ${pos} missing required ${what} parameters(s): ${setText(missing)}`, 'eval_type_error');
  const invalid = names.filter((n) => typeof o[n] !== 'string');
  if (invalid.length) throw new BuiltinError(`operand ${pos} invalid values for required ${what} parameters(s): ${setText(invalid)}`, 'eval_type_error');
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 unreserved characters stay, everything else is %XX (AWS's URI encoding). */
function awsEncode(s: string, keepSlash: boolean): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, keepSlash ? '/' : '%2F');
}

function signReq(reqArg: unknown, cfgArg: unknown, timeArg: unknown): Record<string, unknown> {
  const req = obj(reqArg, 1);
  required(req, ['method', 'url'], 1, 'request');
  const cfg = obj(cfgArg, 2);
  required(cfg, ['aws_access_key', 'aws_secret_access_key', 'aws_service', 'aws_region'], 2, 'AWS config');
  const unsigned = cfg.disable_payload_signing ?? false;
  if (typeof unsigned !== 'boolean') throw new BuiltinError("operand 2 invalid value for 'disable_payload_signing' in AWS config", 'eval_type_error');
  if (typeof timeArg !== 'number') throw new BuiltinError('operand 3 must be number', 'eval_type_error');
  const ms = Math.floor(timeArg / 1e6);
  if (!Number.isFinite(ms) || ms < 0 || Number.isNaN(new Date(ms).getTime())) {
    throw new BuiltinError('operand 3 could not convert time_ns value into a unix timestamp', 'eval_type_error');
  }
  let url: URL;
  try {
    url = new URL(req.url as string);
  } catch {
    throw new BuiltinError(`operand 1 invalid url: ${String(req.url)}`);
  }

  let body = '';
  if (typeof req.raw_body === 'string') body = req.raw_body;
  else if ('body' in req && req.body !== null && req.body !== undefined) body = goJson(req.body);

  const amzDate = new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  const given = req.headers === undefined ? {} : obj(req.headers, 1);
  for (const [k, v] of Object.entries(given)) headers[k] = typeof v === 'string' ? v : goJson(v);
  headers.host = url.host;
  headers['x-amz-content-sha256'] = unsigned ? 'UNSIGNED-PAYLOAD' : sha256(body);
  headers['x-amz-date'] = amzDate;
  if (typeof cfg.aws_session_token === 'string' && cfg.aws_session_token !== '') headers['x-amz-security-token'] = cfg.aws_session_token;
  delete headers.Authorization;

  // A content hash the request already carries is what gets signed (OPA's answer), while the
  // returned headers carry the computed one.
  const signed = { ...headers };
  if (typeof given['x-amz-content-sha256'] === 'string') signed['x-amz-content-sha256'] = given['x-amz-content-sha256'];
  const canonical = Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = canonical.map(([k]) => k).join(';');
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => `${awsEncode(k, false)}=${awsEncode(v, false)}`)
    .sort()
    .join('&');
  // Go's url.Path: empty when the URL has no path (the WHATWG URL would say "/").
  const hasPath = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(String(req.url));
  const path = hasPath ? url.pathname : '';
  // The method as given (OPA signs it unchanged).
  const request = [
    String(req.method), path, query,
    canonical.map(([k, v]) => `${k}:${v}\n`).join(''), signedHeaders, headers['x-amz-content-sha256'],
  ].join('\n');
  const scope = `${day}/${cfg.aws_region as string}/${cfg.aws_service as string}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(request)].join('\n');
  let key = hmac(`AWS4${cfg.aws_secret_access_key as string}`, day);
  for (const part of [cfg.aws_region as string, cfg.aws_service as string, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.Authorization = `AWS4-HMAC-SHA256 Credential=${cfg.aws_access_key as string}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`;
  // Only the headers: the compiled module merges them into the request it holds (a set-valued body
  // could not come back through JSON), which is OPA's answer — the request with the signed headers.
  return { headers };
}

export const awsBuiltins: HostImplementations = () => ({ 'providers.aws.sign_req': signReq });
