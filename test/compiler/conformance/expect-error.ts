// Whether an error warden reported is the error a conformance case expects. OPA cases name OPA's
// error code (want_error_code) and a message fragment (want_error): both must match, as in OPA's
// own test runner. regorus cases give a regorus-worded message fragment only; it is mapped to the
// OPA error codes that report the same problem (a type error, an arity error, a parse error, …)
// and the error must carry one of those codes.

import type { Case } from './corpus.ts';

export interface ReportedError {
  /** OPA error code (rego_parse_error, eval_type_error, …) or null when the error carries none. */
  code: string | null;
  message: string;
}

const CODE = /^(?:.*?:\d+:\d+: )?((?:rego|eval)_[a-z_]+): ([\s\S]*)$/;

/** Splits `[file:row:col: ]code: message` (the runtime's abort messages). */
export function parseRuntimeError(text: string): ReportedError {
  const m = CODE.exec(text);
  return m ? { code: m[1]!, message: m[2]! } : { code: null, message: text };
}

const TYPE = ['rego_type_error', 'eval_type_error', 'eval_builtin_error'];
const COMPILE = ['rego_parse_error', 'rego_compile_error', 'rego_type_error', 'rego_unsafe_var_error', 'rego_recursion_error'];

/** regorus message fragment → OPA codes reporting the same problem (first match wins). */
const REGORUS: [RegExp, string[]][] = [
  [/expects \d+ arguments?/, ['rego_type_error']],
  [/could not find function/, ['rego_type_error']],
  [/keyword is required|rule must have a body|expecting `|unexpected keyword|import path must begin/, ['rego_parse_error']],
  [/in default value/, ['rego_parse_error', 'rego_type_error', 'rego_compile_error']],
  [/used before definition|cannot be shadowed|shadows previous import/, ['rego_compile_error', 'rego_unsafe_var_error', 'rego_parse_error']],
  [/multiple outputs|generated multiple times/, ['eval_conflict_error', 'rego_type_error']],
  [/modulo|divide by zero|format verb|could not parse/, ['eval_builtin_error', 'eval_type_error', 'rego_type_error']],
  [/mismatch|destructuring|not found in left-hand side/, ['rego_type_error', 'eval_type_error', 'rego_compile_error']],
  [/expects .*argument|requires .*argument|must be integer|instead|`some \.\. in collection`/, TYPE],
];

export function expectedCodes(c: Case): string[] | null {
  if (c.expect.kind !== 'error') return null;
  if (c.corpus === 'opa') return c.expect.code ? [c.expect.code] : null;
  const msg = c.expect.message ?? '';
  for (const [re, codes] of REGORUS) if (re.test(msg)) return codes;
  return [...COMPILE, 'eval_type_error', 'eval_builtin_error', 'eval_conflict_error'];
}

/** null when the error is the expected one, else why not. */
export function mismatch(c: Case, got: ReportedError): string | null {
  if (c.expect.kind !== 'error') return 'no error expected';
  const codes = expectedCodes(c);
  if (codes && (!got.code || !codes.includes(got.code))) {
    return `expected ${codes.join('|')}${c.corpus === 'opa' && c.expect.message ? ` (${c.expect.message})` : ''}, got ${got.code ?? 'an error without a code'}: ${got.message}`;
  }
  // OPA's test runner checks want_error as a substring of the error text (`file:row: code:
  // message`): the location prefix names OPA's own file (test-0.rego:4), so it is left out.
  if (c.corpus === 'opa' && c.expect.message) {
    const want = c.expect.message.replace(/^[^\s:]+:\d+: /, '');
    const text = got.code ? `${got.code}: ${got.message}` : got.message;
    if (!text.includes(want)) return `expected message containing "${want}", got ${text}`;
  }
  return null;
}
