// Compile-time type errors for builtin calls whose arguments are literals of a wrong type
// (`count(5)`, `"1" + 9`, `bits.and(1, "str")`): OPA's type checker rejects these before
// evaluation. Only literal arguments are judged; anything computed is left to the runtime.

import type { Term } from '../ast.ts';
import { BUILTIN_ARG_TYPES, OPERATOR_DISPLAY_NAME } from '../builtins/decls.ts';
import { diagnostic, type Diagnostic } from '../diagnostics.ts';

/** Letter of a literal's type (see BUILTIN_ARG_TYPES), or null if t is not a literal. */
function literalType(t: Term): string | null {
  switch (t.value.type) {
    case 'null':
      return 'z';
    case 'boolean':
      return 'b';
    case 'number':
      return 'n';
    case 'string':
      return 's';
    case 'array':
    case 'arraycomprehension':
      return 'a';
    case 'object':
    case 'objectcomprehension':
      return 'o';
    case 'set':
    case 'setcomprehension':
      return 'S';
    default:
      return null;
  }
}

function render(t: Term): string {
  const v = t.value;
  switch (v.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(v.value);
    case 'number':
      return v.text;
    case 'string':
      return JSON.stringify(v.value);
    case 'array':
    case 'arraycomprehension':
      return 'array';
    case 'object':
    case 'objectcomprehension':
      return 'object';
    default:
      return 'set';
  }
}

function expectation(types: string): string {
  switch (types) {
    case 'n':
      return 'expects numeric argument.';
    case 's':
      return 'expects string argument.';
    case 'a':
      return 'expects array argument.';
    case 'o':
      return 'expects object argument.';
    case 'S':
      return 'expects set argument.';
    case 'aS':
      return 'requires array/set argument.';
    case 'saoS':
      return 'requires array/object/set/string argument.';
    case 'na':
      return 'expects `ns` to be a `number` or `array[number, string]`.';
    case 'nS':
      return 'expects numeric argument.';
    default: {
      const names: Record<string, string> = { n: 'number', s: 'string', b: 'boolean', z: 'null', a: 'array', o: 'object', S: 'set' };
      return `expects ${[...types].map((c) => names[c] ?? c).join('/')} argument.`;
    }
  }
}

export function checkLiteralArgTypes(name: string, args: Term[], diagnostics: Diagnostic[]): void {
  const sig = BUILTIN_ARG_TYPES[name];
  if (!sig) return;
  args.slice(0, sig.length).forEach((a, i) => {
    const want = sig[i]!;
    if (want.includes('x')) return;
    const got = literalType(a);
    if (got === null || want.includes(got)) return;
    const shown = OPERATOR_DISPLAY_NAME[name] ?? name;
    diagnostics.push(
      diagnostic(
        'rego_type_error',
        a.location,
        `${name}: invalid argument ${i + 1}: \`${shown}\` ${expectation(want)} Got \`${render(a)}\` instead`,
      ),
    );
  });
}
