// GraphQL tokens as gqlparser's lexer reads them (what OPA's graphql.* builtins run), where it
// differs from the spec and from graphql-js: a number may be followed directly by a name (`123abc`
// is Int 123 then Name abc), `\u` escapes take exactly four hex digits (no `\u{…}`; a surrogate
// becomes U+FFFD), a block string's common indent counts its first line too, a control character
// ends a comment (and is then an error), and its messages and positions: columns count code
// points from the line start, a string token starts after its opening quote(s), a block string is
// placed on the line where it ends, an error at the point the lexer stopped. Works on the UTF-8
// bytes, as gqlparser does, so byte-based checks (escape lengths, the byte named in an error) agree.
import type { Pos } from './ast.ts';

export interface Tok {
  /** The token kind as gqlparser (and graphql-js) print it: 'Name', '{', '<EOF>', …, or '<Invalid>'. */
  kind: string;
  value: string;
  pos: Pos;
  /** The lexer's message, for an invalid token. */
  lexError?: string;
}

const PUNCTUATORS: Record<number, string> = {
  0x21: '!', 0x24: '$', 0x26: '&', 0x28: '(', 0x29: ')', 0x3a: ':', 0x3d: '=', 0x40: '@', 0x5b: '[', 0x5d: ']', 0x7b: '{', 0x7d: '}', 0x7c: '|',
};

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;
const isNameStart = (b: number | undefined): boolean => b !== undefined && (b === 0x5f || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));
const isName = (b: number | undefined): boolean => isNameStart(b) || isDigit(b);

/** Go's `\u%04d` (gqlparser formats the byte in decimal). */
const controlText = (b: number): string => `\\u${String(b).padStart(4, '0')}`;
/** Go's string(byte): the byte as a Latin-1 character. */
const byteText = (b: number): string => String.fromCharCode(b);

/** gqlparser's blockStringValue: common indent over all lines (the first too), then blank lines trimmed at both ends. */
export function blockStringValue(raw: string): string {
  const lines = raw.split('\n');
  const leading = (s: string): number => {
    const m = /^[ \t]*/.exec(s)![0].length;
    return m === s.length ? Infinity : m;
  };
  let common = Infinity;
  for (const l of lines) common = Math.min(common, leading(l));
  if (common !== Infinity) for (let i = 1; i < lines.length; i++) lines[i] = lines[i]!.length < common ? '' : lines[i]!.slice(common);
  let start = 0;
  let end = lines.length;
  while (start < end && leading(lines[start]!) === Infinity) start++;
  while (start < end && leading(lines[end - 1]!) === Infinity) end--;
  return lines.slice(start, end).join('\n');
}

/** The length in bytes of the UTF-8 sequence starting with b (1 for a stray byte). */
function seqLength(b: number): number {
  if (b >= 0xf0) return 4;
  if (b >= 0xe0) return 3;
  if (b >= 0xc0) return 2;
  return 1;
}

export class Lexer {
  private readonly input: Buffer;
  private start = 0;
  private startRunes = 0;
  private end = 0;
  private endRunes = 0;
  private line = 1;
  private lineStartRunes = 0;

  constructor(source: string) {
    this.input = Buffer.from(source, 'utf8');
  }

  private token(kind: string, value: string): Tok {
    return { kind, value, pos: { Line: this.line, Column: this.startRunes - this.lineStartRunes + 1 } };
  }

  private error(message: string): Tok {
    return { kind: '<Invalid>', value: '', pos: { Line: this.line, Column: this.endRunes - this.lineStartRunes + 1 }, lexError: message };
  }

  private text(from: number, to: number): string {
    return this.input.subarray(from, to).toString('utf8');
  }

  /** Skips the code point at end (one rune). */
  private step(): number {
    const w = Math.min(seqLength(this.input[this.end]!), this.input.length - this.end);
    this.end += w;
    this.endRunes++;
    return w;
  }

  private newline(): void {
    this.line++;
    this.lineStartRunes = this.endRunes;
  }

  /** Whitespace, commas, line terminators and a byte order mark. */
  private ws(): void {
    const s = this.input;
    while (this.end < s.length) {
      const b = s[this.end]!;
      if (b === 0x09 || b === 0x20 || b === 0x2c) {
        this.end++;
        this.endRunes++;
      } else if (b === 0x0a || b === 0x0d) {
        this.end++;
        this.endRunes++;
        this.newline();
        if (b === 0x0d && s[this.end] === 0x0a) {
          this.end++;
          this.endRunes++;
        }
      } else if (b === 0xef && s[this.end + 1] === 0xbb && s[this.end + 2] === 0xbf) {
        this.end += 3;
        this.endRunes++;
      } else {
        return;
      }
    }
  }

  read(): Tok {
    for (;;) {
      this.ws();
      this.start = this.end;
      this.startRunes = this.endRunes;
      const s = this.input;
      if (this.end >= s.length) return this.token('<EOF>', '');
      const b = s[this.start]!;
      if (b === 0x23) {
        // A comment runs to a line terminator or any other control character but tab.
        this.step();
        while (this.end < s.length) {
          const c = s[this.end]!;
          if (c > 0x1f || c === 0x09) this.step();
          else break;
        }
        continue;
      }
      this.end++;
      this.endRunes++;
      const punct = PUNCTUATORS[b];
      if (punct) return this.token(punct, '');
      if (b === 0x2e && s[this.start + 1] === 0x2e && s[this.start + 2] === 0x2e) {
        this.end += 2;
        this.endRunes += 2;
        return this.token('...', '');
      }
      if (isNameStart(b)) {
        while (isName(s[this.end])) {
          this.end++;
          this.endRunes++;
        }
        return this.token('Name', this.text(this.start, this.end));
      }
      if (b === 0x2d || isDigit(b)) return this.number();
      if (b === 0x22) return s[this.start + 1] === 0x22 && s[this.start + 2] === 0x22 ? this.blockString() : this.string();
      this.end--;
      this.endRunes--;
      if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return this.error(`Cannot contain the invalid character "${controlText(b)}"`);
      if (b === 0x27) return this.error('Unexpected single quote character (\'), did you mean to use a double quote (")?');
      return this.error(`Cannot parse the unexpected character "${byteText(b)}".`);
    }
  }

  private accept(...bytes: number[]): boolean {
    if (this.end < this.input.length && bytes.includes(this.input[this.end]!)) {
      this.end++;
      this.endRunes++;
      return true;
    }
    return false;
  }

  private digits(): number {
    let n = 0;
    while (isDigit(this.input[this.end])) {
      this.end++;
      this.endRunes++;
      n++;
    }
    return n;
  }

  private describeNext(): string {
    return this.end < this.input.length ? `"${byteText(this.input[this.end]!)}"` : '<EOF>';
  }

  /** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — and nothing checked after it. */
  private number(): Tok {
    this.end--;
    this.endRunes--;
    let float = false;
    this.accept(0x2d);
    if (this.accept(0x30)) {
      const n = this.digits();
      if (n !== 0) {
        this.end -= n;
        this.endRunes -= n;
        return this.error(`Invalid number, unexpected digit after 0: ${this.describeNext()}.`);
      }
    } else if (this.digits() === 0) {
      return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    if (this.accept(0x2e)) {
      float = true;
      if (this.digits() === 0) return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    if (this.accept(0x65, 0x45)) {
      float = true;
      this.accept(0x2d, 0x2b);
      if (this.digits() === 0) return this.error(`Invalid number, expected digit but got: ${this.describeNext()}.`);
    }
    return this.token(float ? 'Float' : 'Int', this.text(this.start, this.end));
  }

  private string(): Tok {
    const s = this.input;
    this.start++;
    this.startRunes++;
    // Bytes of the value, once an escape makes it differ from the source.
    let out: number[] | null = null;
    while (this.end < s.length) {
      const b = s[this.end]!;
      if (b === 0x0a || b === 0x0d) break;
      if (b < 0x20 && b !== 0x09) return this.error(`Invalid character within String: "${controlText(b)}".`);
      if (b === 0x22) {
        const t = this.token('String', out ? Buffer.from(out).toString('utf8') : this.text(this.start, this.end));
        this.end++;
        this.endRunes++;
        return t;
      }
      if (b !== 0x5c) {
        const from = this.end;
        this.step();
        out?.push(...s.subarray(from, this.end));
        continue;
      }
      if (this.end + 1 >= s.length) {
        this.end++;
        this.endRunes++;
        return this.error('Invalid character escape sequence.');
      }
      out ??= [...s.subarray(this.start, this.end)];
      const escape = s[this.end + 1]!;
      if (escape === 0x75) {
        if (this.end + 6 >= s.length) {
          this.end++;
          this.endRunes++;
          return this.error(`Invalid character escape sequence: \\${this.text(this.end, s.length)}.`);
        }
        const hex = s.subarray(this.end + 2, this.end + 6).toString('latin1');
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.end++;
          this.endRunes++;
          return this.error(`Invalid character escape sequence: \\${this.text(this.end, this.end + 5)}.`);
        }
        const cp = parseInt(hex, 16);
        // Go's WriteRune of a surrogate half writes U+FFFD.
        out.push(...Buffer.from(cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : String.fromCharCode(cp), 'utf8'));
        this.end += 6;
        this.endRunes += 6;
        continue;
      }
      const simple: Record<number, number> = { 0x22: 0x22, 0x2f: 0x2f, 0x5c: 0x5c, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09 };
      const v = simple[escape];
      if (v === undefined) {
        this.end++;
        this.endRunes++;
        return this.error(`Invalid character escape sequence: \\${byteText(escape)}.`);
      }
      out.push(v);
      this.end += 2;
      this.endRunes += 2;
    }
    return this.error('Unterminated string.');
  }

  private blockString(): Tok {
    const s = this.input;
    this.start += 3;
    this.startRunes += 3;
    this.end += 2;
    this.endRunes += 2;
    const raw: number[] = [];
    while (this.end < s.length) {
      const b = s[this.end]!;
      if (b === 0x22 && s[this.end + 1] === 0x22 && s[this.end + 2] === 0x22) {
        const t = this.token('BlockString', blockStringValue(Buffer.from(raw).toString('utf8')));
        this.end += 3;
        this.endRunes += 3;
        return t;
      }
      if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return this.error(`Invalid character within String: "${controlText(b)}".`);
      if (b === 0x5c && s[this.end + 1] === 0x22 && s[this.end + 2] === 0x22 && s[this.end + 3] === 0x22) {
        raw.push(0x22, 0x22, 0x22);
        this.end += 4;
        this.endRunes += 4;
      } else if (b === 0x0d) {
        if (s[this.end + 1] === 0x0a) {
          this.end++;
          this.endRunes++;
        }
        raw.push(0x0a);
        this.end++;
        this.endRunes++;
        this.newline();
      } else {
        const from = this.end;
        this.step();
        raw.push(...s.subarray(from, this.end));
        if (b === 0x0a) this.newline();
      }
    }
    return this.error('Unterminated string.');
  }
}
