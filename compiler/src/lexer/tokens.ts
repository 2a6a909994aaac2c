// Token kinds produced by the Rego lexer.

export type TokenKind =
  | 'ident'
  | 'number'
  | 'string'
  | 'rawstring'
  /** `$"…{expr}…"` string interpolation; parts in Token.template. */
  | 'template'
  // punctuation / operators (the token's text is the kind)
  | ':='
  | '='
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '&'
  | '|'
  | '('
  | ')'
  | '['
  | ']'
  | '{'
  | '}'
  | ','
  | ';'
  | '.'
  | ':'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (for strings: including quotes). */
  text: string;
  /** Decoded value for string and rawstring tokens. */
  value?: string;
  /** Parts of a template string: decoded literal text, or the tokens of an embedded expression. */
  template?: TemplatePart[];
  row: number;
  col: number;
  /** Offset of the first character in the source. */
  offset: number;
  /** Offset just past the last character. */
  end: number;
  /** A newline (or comment line) separates this token from the previous one. */
  nl: boolean;
  /** Whitespace or a comment separates this token from the previous one. */
  ws: boolean;
}

export type TemplatePart = { kind: 'text'; value: string } | { kind: 'expr'; tokens: Token[] };

/** Words that are keywords in Rego v1 (v0 modules with future.keywords imports see the same set). */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'as',
  'contains',
  'default',
  'else',
  'every',
  'false',
  'if',
  'import',
  'in',
  'not',
  'null',
  'package',
  'some',
  'true',
  'with',
]);
