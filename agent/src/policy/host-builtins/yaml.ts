// yaml.unmarshal with OPA's error: the SDK's own implementation makes invalid YAML undefined
// without a message, so strict builtin errors (opa eval --strict-builtin-errors) could not report
// it. OPA parses with go-yaml, whose errors read `yaml: line N: <problem>`; the commonest problems
// are given go-yaml's wording and line (its parser counts lines from 0 where its scanner counts
// from 1), others the JS parser's wording at the 1-based line.
import { parse, YAMLParseError } from 'yaml';
import { BuiltinError, str } from './types.ts';

type Kind = 'parser' | 'scanner';

/** go-yaml's wording for a JS parser error, and whether go-yaml reports it from its parser or scanner. */
function goProblem(e: YAMLParseError): [string, Kind] | null {
  const msg = e.message;
  // An unclosed flow collection (at the end, or where a block line interrupts it).
  const flow = e.code === 'MISSING_CHAR' || (e.code === 'BAD_INDENT' && / in block collection .*end with a [\]}]/.test(msg));
  if (flow && msg.startsWith('Flow sequence')) return ["did not find expected ',' or ']'", 'parser'];
  if (flow && msg.startsWith('Flow map')) return ["did not find expected ',' or '}'", 'parser'];
  if (e.code === 'MISSING_CHAR' && msg.startsWith('Missing closing')) return ['found unexpected end of stream', 'scanner'];
  if (e.code === 'BLOCK_AS_IMPLICIT_KEY' && msg.startsWith('Nested mappings')) return ['mapping values are not allowed in this context', 'scanner'];
  if (e.code === 'TAB_AS_INDENT') return ['found character that cannot start any token', 'scanner'];
  return null;
}

/** The line go-yaml names: its scanner's 1-based line, its parser's 0-based one (none when 0). */
function goLine(src: string, e: YAMLParseError, kind: Kind): number {
  const at = e.pos[0];
  if (at >= src.length) {
    // The scanner stops on the last line (1-based); the parser's end-of-stream token sits on a line
    // of its own after text without a final newline, which its 0-based count makes the last line.
    const lines = src.split('\n').length;
    return kind === 'scanner' || !src.endsWith('\n') ? lines : lines - 1;
  }
  const line = e.linePos?.[0].line ?? 1;
  return kind === 'scanner' ? line : line - 1;
}

export function yamlError(src: string, e: YAMLParseError): BuiltinError {
  const go = goProblem(e);
  const line = go ? goLine(src, e, go[1]) : (e.linePos?.[0].line ?? 0);
  const problem = go ? go[0] : e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').replace(/\.$/, '');
  return new BuiltinError(`yaml: ${line > 0 ? `line ${line}: ` : ''}${problem}`);
}

export function yamlUnmarshal(s: unknown): unknown {
  const src = str(s, 1);
  try {
    // The SDK's defaults (YAML 1.2 core schema), so a valid document reads as it does in the SDK.
    return parse(src);
  } catch (e) {
    if (e instanceof YAMLParseError) throw yamlError(src, e);
    throw new BuiltinError(`yaml: ${(e as Error).message}`);
  }
}
