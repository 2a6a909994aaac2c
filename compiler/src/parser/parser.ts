// Recursive-descent Rego parser: tokens → Module (compiler/src/ast.ts). Accepts Rego v1 syntax and
// the v0 forms still common in the wild (`p[x] { … }`, `p { … } { … }`, `else = v { … }`).
//
// Decisions follow OPA's parser (ast/parser.go): operator precedence
// `in` < comparison (== != < <= > >=) < `|` < `&` < `+ -` < `* / %`; refs and calls continue only
// when `.`, `[` or `(` touch the previous token; body expressions are separated by `;` or a newline;
// rule-head classification (`p[x] { }` = multi-value, `p[x] if { }` = single-value ref rule).

import {
  INFIX_OPERATORS,
  MEMBER_2,
  MEMBER_3,
  TEMPLATE_STRING,
  booleanTerm,
  isTermExpr,
  refTerm,
  stringTerm,
  term,
  varTerm,
  type Body,
  type Expr,
  type ExprTerms,
  type Head,
  type Import,
  type Location,
  type Module,
  type Package,
  type RefValue,
  type Rule,
  type Term,
  type With,
} from '../ast.ts';
import { DiagnosticError, diagnostic, diagnosticError } from '../diagnostics.ts';
import { tokenize, type Comment } from '../lexer/lexer.ts';
import { attachAnnotations } from './annotations.ts';
import { KEYWORDS, type Token, type TokenKind } from '../lexer/tokens.ts';

const MAX_DEPTH = 120;

const RELATION_OPS: ReadonlySet<TokenKind> = new Set(['==', '!=', '<', '<=', '>', '>=']);
const INFIX_TOKEN: ReadonlySet<TokenKind> = new Set(['==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '&']);

/** Parses one Rego module; throws DiagnosticError (rego_parse_error) with file:line:col on bad input. */
export function parse(source: string, file: string): Module {
  const comments: Comment[] = [];
  const module = new Parser(tokenize(source, file, comments), file).parseModule();
  attachAnnotations(module, comments, file);
  return module;
}

/** Parses a body (query) such as `x := data.a.b; x > 1`; used by tools and tests. */
export function parseBody(source: string, file: string): Body {
  const p = new Parser(tokenize(source, file), file);
  const body = p.parseQuery('eof');
  p.expect('eof', 'end of query');
  return body;
}

class Parser {
  private i = 0;
  private depth = 0;
  private templateCount = 0;
  private inDefault = false;
  private readonly termFailures = new Map<number, DiagnosticError>();
  private readonly termResults = new Map<number, { term: Term; end: number }>();
  private regoVersion: 0 | 1 = 0;

  constructor(
    private readonly toks: Token[],
    private readonly file: string,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Token helpers

  private get tok(): Token {
    return this.toks[this.i] ?? this.toks[this.toks.length - 1]!;
  }
  private peekTok(k = 1): Token {
    return this.toks[this.i + k] ?? this.toks[this.toks.length - 1]!;
  }
  private advance(): Token {
    const t = this.tok;
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private at(kind: TokenKind): boolean {
    return this.tok.kind === kind;
  }
  /** Current token is the keyword `word` used as a keyword (not the start of a ref like `else.x`). */
  private atKeyword(word: string): boolean {
    const t = this.tok;
    if (t.kind !== 'ident' || t.text !== word) return false;
    const n = this.peekTok();
    return !((n.kind === '.' || n.kind === '[') && !n.ws);
  }
  private loc(t: Token = this.tok): Location {
    return { file: this.file, row: t.row, col: t.col };
  }
  private fail(message: string, t: Token = this.tok): never {
    throw diagnosticError(diagnostic('rego_parse_error', this.loc(t), message));
  }
  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of file';
    if (t.kind === 'ident') return KEYWORDS.has(t.text) ? `${t.text} keyword` : `ident ${t.text}`;
    if (t.kind === 'string' || t.kind === 'rawstring') return 'string';
    if (t.kind === 'number') return `number ${t.text}`;
    return `${t.text} token`;
  }
  private unexpected(expected: string): never {
    this.fail(`unexpected ${this.describe(this.tok)}: expected ${expected}`);
  }
  expect(kind: TokenKind, what?: string): Token {
    if (!this.at(kind)) this.fail(`unexpected ${this.describe(this.tok)}: expecting ${what ?? '`' + kind + '`'}`);
    return this.advance();
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail('expression nested too deeply');
  }
  private leave(): void {
    this.depth--;
  }
  /** Runs `f`; on a parse error restores the position and returns null (bounded backtracking). */
  private attempt<T>(f: () => T): T | null {
    const save = this.i;
    const depth = this.depth;
    try {
      return f();
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      this.i = save;
      this.depth = depth;
      return null;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Module level

  parseModule(): Module {
    if (!this.atKeyword('package')) {
      if (this.at('eof')) this.fail('empty module');
      this.unexpected('package declaration');
    }
    const pkg = this.parsePackage();
    const imports: Import[] = [];
    const rules: Rule[] = [];
    let usesV1 = false;
    while (!this.at('eof')) {
      if (this.atKeyword('import')) {
        const imp = this.parseImport();
        const name = imp.path.value.head.value.type === 'var' ? imp.path.value.head.value.name : '';
        if (name === 'rego' && imp.path.value.path.length === 1) this.regoVersion = 1;
        imports.push(imp);
        continue;
      }
      if (this.atKeyword('package')) this.fail('unexpected package keyword: only one package declaration per module');
      const start = this.i;
      for (const r of this.parseRules()) rules.push(r);
      for (let k = start; k < this.i; k++) {
        const t = this.toks[k];
        const next = this.toks[k + 1];
        // `contains(s, x)` is the builtin, not the keyword.
        const call = next !== undefined && next.kind === '(' && !next.ws;
        if (t && t.kind === 'ident' && (t.text === 'if' || t.text === 'contains') && !call) usesV1 = true;
      }
    }
    return {
      type: 'module',
      file: this.file,
      package: pkg,
      imports,
      rules,
      regoVersion: this.regoVersion === 1 || usesV1 ? 1 : 0,
    };
  }

  private parsePackage(): Package {
    const kw = this.advance();
    const ref = this.parseDottedPath('package path');
    // package a.b → data.a.b
    const head = ref.value.head;
    const headName = head.value.type === 'var' ? head.value.name : '';
    const path: Term[] = [stringTerm(headName, head.location), ...ref.value.path];
    for (const t of path) {
      if (t.value.type !== 'string') this.fail('unexpected non-string package path element', this.tok);
    }
    return {
      path: term({ type: 'ref', head: varTerm('data', head.location), path }, head.location),
      location: this.loc(kw),
    };
  }

  private parseImport(): Import {
    const kw = this.advance();
    const path = this.parseDottedPath('import path');
    const root = path.value.head.value.type === 'var' ? path.value.head.value.name : '';
    if (root !== 'data' && root !== 'input' && root !== 'future' && root !== 'rego') {
      this.fail(`unexpected import path: import path must begin with one of: {data, future, input, rego}, got: ${root}`, kw);
    }
    let alias: string | null = null;
    if (this.atKeyword('as')) {
      this.advance();
      const a = this.tok;
      if (a.kind !== 'ident' || KEYWORDS.has(a.text)) this.unexpected('var');
      this.advance();
      alias = a.text;
    }
    return { path, alias, location: this.loc(kw) };
  }

  /** `a.b["c"].d` with only string elements (package and import paths). */
  private parseDottedPath(what: string): Term<RefValue> {
    const first = this.tok;
    if (first.kind !== 'ident') this.unexpected(what);
    this.advance();
    const head = varTerm(first.text, this.loc(first));
    const path: Term[] = [];
    for (;;) {
      if (this.at('.') && !this.tok.ws) {
        this.advance();
        const n = this.tok;
        if (n.kind !== 'ident') this.unexpected('ident');
        this.advance();
        path.push(stringTerm(n.text, this.loc(n)));
      } else if (this.at('[') && !this.tok.ws) {
        this.advance();
        const s = this.tok;
        if (s.kind !== 'string' && s.kind !== 'rawstring') this.unexpected('string');
        this.advance();
        path.push(stringTerm(s.value ?? '', this.loc(s)));
        this.expect(']');
      } else break;
    }
    return term({ type: 'ref', head, path }, head.location);
  }

  // -------------------------------------------------------------------------------------------
  // Rules

  private parseRules(): Rule[] {
    const startTok = this.tok;
    let isDefault = false;
    if (this.atKeyword('default')) {
      this.advance();
      isDefault = true;
    }
    if (this.tok.kind !== 'ident') this.unexpected('rule');
    if (KEYWORDS.has(this.tok.text) && !this.isRefStart(1)) {
      this.unexpected('rule name');
    }
    const head = this.parseHead(isDefault);
    const location = this.loc(startTok);
    const mkRule = (h: Head, body: Body, loc: Location): Rule => ({
      type: 'rule',
      head: h,
      body,
      else: null,
      default: isDefault,
      location: loc,
      file: this.file,
    });
    const trueBody = (loc: Location): Body => [generatedTrue(loc)];

    if (isDefault) {
      if (head.value === null) this.fail(`default rule ${headName(head)} must have a value`, startTok);
      validateDefaultValue(head.value, (t, m) => this.fail(m, tokenAt(t)));
      if (head.contains) this.fail('default rules cannot be multi-value (contains) rules', startTok);
      return [mkRule(head, trueBody(location), location)];
    }

    const explicitValue = head.value !== null;
    if (head.value === null && !head.contains && (head.ref.length !== 2 || head.args !== null)) {
      head.value = booleanTerm(true, head.location);
    }
    const hasIf = this.atKeyword('if');
    const refLen = head.ref.length;
    if (hasIf && !head.contains && refLen === 2 && head.args === null) {
      // `p[x] if …` is a single-value ref rule p[x] (value true unless given).
      const k = head.ref[1]!;
      if (k.value.type !== 'string' && !isGroundScalar(k)) head.key = k;
      if (head.value === null) head.value = booleanTerm(true, head.location);
    }
    const v0MultiValue = !hasIf && !head.contains && head.args === null && refLen === 2 && head.value === null;
    if (!hasIf && !head.contains && head.args === null && refLen === 2) {
      // v0 back-compat: `p[x] { … }` is a multi-value rule p; `p[k] = v { … }` a ref rule.
      head.key = head.ref[1]!;
      if (head.value === null) {
        head.ref = head.ref.slice(0, 1);
        head.contains = true;
      }
    }

    let body: Body;
    if (hasIf) {
      this.advance();
      body = this.parseIfBody();
    } else if (this.at('{')) {
      if (this.regoVersion === 1) this.fail('`if` keyword is required before rule body');
      body = this.parseBraceBody();
    } else if (this.regoVersion === 1 && v0MultiValue) {
      this.fail('`contains` keyword is required for partial set rules', startTok);
    } else if (head.contains || explicitValue || head.args !== null) {
      // `p contains x`, `p := 1`, `f(x) := x`, `f("x", _)` (value true): no body.
      body = trueBody(head.location);
    } else {
      this.fail('rule must have a body or assignment', startTok);
    }

    const rule = mkRule(head, body, location);
    if (this.atKeyword('else')) {
      if (head.ref.length > 1 && !head.ref.slice(1).every(isGroundScalar)) {
        this.fail('else keyword cannot be used on rules with variables in head');
      }
      if (head.contains) this.fail('else keyword cannot be used on multi-value rules');
      rule.else = this.parseElse(head);
    }
    const rules = [rule];
    // v0: `p { a } { b }` defines p twice.
    while (this.at('{')) {
      if (rule.else !== null) this.fail('expected else keyword');
      const loc = this.loc();
      const b = this.parseBraceBody();
      rules.push(mkRule(cloneHead(head), b, loc));
    }
    return rules;
  }

  /** True when the token k ahead is `.` or `[` touching the current token (keyword used as a ref head). */
  private isRefStart(k: number): boolean {
    const n = this.peekTok(k);
    return (n.kind === '.' || n.kind === '[') && !n.ws;
  }

  private parseHead(isDefault: boolean): Head {
    const first = this.advance();
    const location = this.loc(first);
    const ref: Term[] = [varTerm(first.text, location)];
    let args: Term[] | null = null;
    for (;;) {
      const t = this.tok;
      if (t.kind === '.' && !t.ws) {
        this.advance();
        const n = this.tok;
        if (n.kind !== 'ident') this.unexpected('ident');
        this.advance();
        ref.push(stringTerm(n.text, this.loc(n)));
      } else if (t.kind === '[' && !t.ws) {
        this.advance();
        ref.push(this.parseTermIn(false, false));
        this.expect(']');
      } else if (t.kind === '(' && !t.nl && args === null) {
        // Whitespace before the argument list is tolerated in heads (`sum (a, b) := c`), as regorus does.
        this.advance();
        args = this.parseTermList(')');
        this.expect(')');
        break;
      } else break;
    }
    const head: Head = {
      ref,
      name: first.text,
      args,
      key: null,
      value: null,
      assign: false,
      contains: false,
      location,
    };
    if (this.atKeyword('contains')) {
      if (args !== null) this.fail(`the contains keyword can only be used with multi-value rule definitions (e.g., ${headName(head)} contains <VALUE> { ... })`);
      this.advance();
      head.key = this.parseTermIn(false, false);
      head.contains = true;
      return head;
    }
    if (this.at('=') || this.at(':=')) {
      head.assign = this.at(':=');
      this.advance();
      if (this.at('eof') || this.atKeyword('if')) {
        this.fail(
          isDefault
            ? `expected default rule value term (e.g., default ${headName(head)} := <VALUE>)`
            : `expected rule value term (e.g., ${headName(head)} := <VALUE> { ... })`,
        );
      }
      this.inDefault = isDefault;
      head.value = this.parseTermIn(false, false);
      this.inDefault = false;
      return head;
    }
    return head;
  }

  /** After `if`: `{ body }` or a single literal. */
  /**
   * After `if`: a single literal or `{ body }`. Like OPA, a literal is tried first (`p if {1 | 1}`
   * is a set comprehension, so true); a leading-brace literal that is a set (`{ x }`, `{ a == b }`)
   * or `{}` is re-read as a body.
   */
  private parseIfBody(): Body {
    if (this.at('eof')) this.fail('rule body expected');
    if (!this.at('{')) {
      const lit = this.parseLiteral();
      lit.index = 0;
      return [lit];
    }
    const save = this.i;
    const depth = this.depth;
    const lit = this.attempt(() => this.parseLiteral());
    const braceValue =
      lit !== null && isTermExpr(lit) && (lit.terms.value.type === 'set' || (lit.terms.value.type === 'object' && lit.terms.value.items.length === 0));
    if (lit !== null && !braceValue && (this.tok.nl || this.at('eof') || this.atKeyword('else'))) {
      lit.index = 0;
      return [lit];
    }
    this.i = save;
    this.depth = depth;
    return this.parseBraceBody();
  }

  private parseBraceBody(): Body {
    this.expect('{');
    const body = this.parseQuery('}');
    this.expect('}');
    return body;
  }

  private parseElse(head: Head): Rule {
    const kw = this.advance();
    const location = this.loc(kw);
    const h = cloneHead(head);
    h.location = location;
    h.value = null;
    if (this.at('{') || this.atKeyword('if')) {
      h.value = booleanTerm(true, location);
    } else if (this.at(':=') || this.at('=')) {
      h.assign = this.at(':=');
      this.advance();
      h.value = this.parseTermIn(false, false);
    } else {
      this.unexpected('else value term or rule body');
    }
    let body: Body;
    if (this.atKeyword('if')) {
      this.advance();
      body = this.parseIfBody();
    } else if (this.at('{')) {
      if (this.regoVersion === 1) this.fail('`if` keyword is required before rule body');
      body = this.parseBraceBody();
    } else {
      body = [generatedTrue(location)];
    }
    const rule: Rule = { type: 'rule', head: h, body, else: null, default: false, location, file: this.file };
    if (this.atKeyword('else')) rule.else = this.parseElse(head);
    return rule;
  }

  // -------------------------------------------------------------------------------------------
  // Bodies and literals

  parseQuery(end: TokenKind): Body {
    if (this.at(end)) this.fail('found empty body');
    this.enter();
    const body: Body = [];
    for (;;) {
      const e = this.parseLiteral();
      e.index = body.length;
      body.push(e);
      if (this.at(';')) {
        this.advance();
        if (this.at(end)) break;
        continue;
      }
      if (this.at(end)) break;
      if (!this.tok.nl) this.unexpected(`\\n or ; or ${end === 'eof' ? 'end of query' : end}`);
    }
    this.leave();
    return body;
  }

  private parseLiteral(): Expr {
    const start = this.tok;
    const location = this.loc(start);
    if (this.atKeyword('some')) return this.withMods(this.parseSome(), location);
    if (this.atKeyword('every')) return this.withMods(this.parseEvery(), location);
    let negated = false;
    if (this.atKeyword('not')) {
      this.advance();
      negated = true;
      if (this.atKeyword('some')) this.fail("illegal negation of 'some'");
      if (this.atKeyword('every')) this.fail("illegal negation of 'every'");
    }
    const terms = this.parseExprTerms();
    const e: Expr = { type: 'expr', terms, negated, with: [], index: 0, location };
    return this.withMods(e, location);
  }

  private withMods(e: Expr | ExprTerms, location: Location): Expr {
    const expr: Expr =
      'type' in e && e.type === 'expr' ? e : { type: 'expr', terms: e as ExprTerms, negated: false, with: [], index: 0, location };
    while (this.atKeyword('with')) {
      const kw = this.advance();
      const t = this.tok;
      if (t.kind !== 'ident') this.unexpected('ident');
      const target = this.parseTerm();
      if (target.value.type !== 'ref' && target.value.type !== 'var') this.fail('expected with target path', t);
      if (!this.atKeyword('as')) this.unexpected('as keyword');
      this.advance();
      const value = this.parseTermIn(false, false);
      const w: With = { type: 'with', target, value, location: this.loc(kw) };
      expr.with.push(w);
    }
    return expr;
  }

  private parseExprTerms(): ExprTerms {
    const lhs = this.parseTermIn(true, false);
    if (this.at(':=') || this.at('=')) {
      const opTok = this.advance();
      const op = refTerm(INFIX_OPERATORS[opTok.kind]!, this.loc(opTok));
      const rhs = this.parseTermIn(true, false);
      return [op, lhs, rhs];
    }
    if (lhs.value.type === 'call') return [lhs.value.operator, ...lhs.value.args];
    return lhs;
  }

  private parseSome(): ExprTerms {
    const kw = this.advance();
    const location = this.loc(kw);
    const save = this.i;
    const inForm = this.attempt(() => {
      const t = this.parseTermIn(true, false);
      if (t.value.type === 'call') {
        const name = opName(t.value.operator);
        if (name === MEMBER_2 && t.value.args.length === 2) {
          return { type: 'somein' as const, key: null, value: t.value.args[0]!, domain: t.value.args[1]!, location };
        }
        if (name === MEMBER_3 && t.value.args.length === 3) {
          return { type: 'somein' as const, key: t.value.args[0]!, value: t.value.args[1]!, domain: t.value.args[2]!, location };
        }
      }
      return null;
    });
    if (inForm) return inForm;
    this.i = save;
    const vars: Term<{ type: 'var'; name: string }>[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'ident' || KEYWORDS.has(t.text)) this.unexpected('var');
      this.advance();
      vars.push(varTerm(t.text, this.loc(t)));
      if (!this.at(',')) break;
      this.advance();
    }
    return { type: 'some', vars, location };
  }

  private parseEvery(): ExprTerms {
    const kw = this.advance();
    const location = this.loc(kw);
    const t = this.parseTermIn(true, false);
    let key: Term | null = null;
    let value: Term;
    let domain: Term;
    const name = t.value.type === 'call' ? opName(t.value.operator) : null;
    if (t.value.type === 'call' && name === MEMBER_2 && t.value.args.length === 2) {
      value = t.value.args[0]!;
      domain = t.value.args[1]!;
    } else if (t.value.type === 'call' && name === MEMBER_3 && t.value.args.length === 3) {
      key = t.value.args[0]!;
      value = t.value.args[1]!;
      domain = t.value.args[2]!;
    } else {
      this.fail('expected `x[, y] in xs { ... }` expression', kw);
    }
    for (const v of key ? [key, value] : [value]) {
      if (v.value.type !== 'var') this.fail(`unexpected ${v.value.type} in every: expected var`, this.toks[this.i]);
    }
    if (!this.at('{')) this.unexpected('{ body } after every domain');
    const body = this.parseBraceBody();
    return { type: 'every', key, value, domain, body, location };
  }

  // -------------------------------------------------------------------------------------------
  // Terms with infix operators, lowest precedence first

  /** `a in b`, `k, v in b` (keyVal), then relations. noOr: stop at `|` (comprehension heads). */
  private parseTermIn(keyVal: boolean, noOr: boolean): Term {
    let lhs = this.parseTermRelation(noOr);
    if (keyVal && this.at(',')) {
      const save = this.i;
      const r = this.attempt(() => {
        this.advance();
        const mhs = this.parseTermRelation(noOr);
        if (!this.atKeyword('in')) return null;
        const opTok = this.advance();
        const rhs = this.parseTermRelation(noOr);
        return call(refTerm(MEMBER_3, this.loc(opTok)), [lhs, mhs, rhs], lhs.location);
      });
      if (r === null) {
        this.i = save;
        return lhs;
      }
      lhs = r;
    }
    while (this.atKeyword('in')) {
      const opTok = this.advance();
      const rhs = this.parseTermRelation(noOr);
      lhs = call(refTerm(MEMBER_2, this.loc(opTok)), [lhs, rhs], lhs.location);
    }
    return lhs;
  }

  private parseTermRelation(noOr: boolean): Term {
    let lhs = this.parseTermOr(noOr);
    while (RELATION_OPS.has(this.tok.kind)) {
      const opTok = this.advance();
      const rhs = this.parseTermOr(noOr);
      lhs = call(refTerm(INFIX_OPERATORS[opTok.kind]!, this.loc(opTok)), [lhs, rhs], lhs.location);
    }
    return lhs;
  }

  private parseTermOr(noOr: boolean): Term {
    let lhs = this.parseTermAnd();
    while (!noOr && this.at('|')) {
      const opTok = this.advance();
      const rhs = this.parseTermAnd();
      lhs = call(refTerm('or', this.loc(opTok)), [lhs, rhs], lhs.location);
    }
    return lhs;
  }

  private parseTermAnd(): Term {
    let lhs = this.parseTermArith();
    while (this.at('&')) {
      const opTok = this.advance();
      const rhs = this.parseTermArith();
      lhs = call(refTerm('and', this.loc(opTok)), [lhs, rhs], lhs.location);
    }
    return lhs;
  }

  private parseTermArith(): Term {
    let lhs = this.parseTermFactor();
    while (this.at('+') || this.at('-')) {
      const opTok = this.advance();
      const rhs = this.parseTermFactor();
      lhs = call(refTerm(INFIX_OPERATORS[opTok.kind]!, this.loc(opTok)), [lhs, rhs], lhs.location);
    }
    return lhs;
  }

  private parseTermFactor(): Term {
    let lhs = this.parseTerm();
    while (this.at('*') || this.at('/') || this.at('%')) {
      const opTok = this.advance();
      const rhs = this.parseTerm();
      lhs = call(refTerm(INFIX_OPERATORS[opTok.kind]!, this.loc(opTok)), [lhs, rhs], lhs.location);
    }
    return lhs;
  }

  // -------------------------------------------------------------------------------------------
  // Primary terms

  /**
   * Primary term with postfix refs/calls. Results and failures are memoized by position: the comprehension /
   * collection fallbacks re-read the same tokens, and without the memo nested failing
   * constructs (`[x | [x | [x | y y]]]`) would cost exponential time.
   */
  private parseTerm(): Term {
    const start = this.i;
    const known = this.termFailures.get(start);
    if (known) throw known;
    const done = this.termResults.get(start);
    if (done) {
      this.i = done.end;
      return done.term;
    }
    try {
      const term = this.parseTermUncached();
      this.termResults.set(start, { term, end: this.i });
      return term;
    } catch (e) {
      if (e instanceof DiagnosticError) this.termFailures.set(start, e);
      throw e;
    }
  }

  private parseTermUncached(): Term {
    this.enter();
    const t = this.tok;
    const location = this.loc(t);
    let result: Term;
    switch (t.kind) {
      case 'number':
        this.advance();
        result = term({ type: 'number', text: normalizeNumber(t.text) }, location);
        break;
      case '-': {
        this.advance();
        const n = this.tok;
        if (n.kind !== 'number') {
          this.fail(`invalid \`unaryexpr\`${this.inDefault ? ' in default value' : ''}: unary minus applies to number literals only`, t);
        }
        this.advance();
        const text = normalizeNumber(n.text);
        result = term({ type: 'number', text: '-' + text }, location);
        break;
      }
      case 'string':
      case 'rawstring':
        this.advance();
        result = term({ type: 'string', value: t.value ?? '' }, location);
        break;
      case 'template':
        this.advance();
        result = this.templateTerm(t);
        break;
      case 'ident':
        result = this.parseIdentTerm();
        break;
      case '[':
        result = this.parseArray();
        break;
      case '{':
        result = this.parseBraced();
        break;
      case '(': {
        this.advance();
        result = this.parseTermIn(true, false);
        this.expect(')');
        // Keep the paren's position only for error messages; the inner term keeps its own.
        break;
      }
      default:
        this.unexpected('term');
    }
    result = this.parsePostfix(result);
    this.leave();
    return result;
  }

  /** An infix operator token in [from, to) outside any brackets, braces or parentheses. */
  private topLevelInfix(from: number, to: number): boolean {
    let depth = 0;
    for (let k = from; k < to; k++) {
      const t = this.toks[k]!;
      if (t.kind === '(' || t.kind === '[' || t.kind === '{') depth++;
      else if (t.kind === ')' || t.kind === ']' || t.kind === '}') depth--;
      else if (depth === 0 && !(t.kind === '-' && k === from) && (INFIX_TOKEN.has(t.kind) || (t.kind === 'ident' && t.text === 'in'))) return true;
    }
    return false;
  }

  /**
   * `$"a {x} b"` → internal.template_string(["a ", {__tplN__ | __tplN__ = x}, " b"]): each embedded
   * expression becomes a set comprehension (empty when undefined, which prints `<undefined>`).
   */
  private templateTerm(t: Token): Term {
    const location = this.loc(t);
    const items: Term[] = [];
    for (const part of t.template ?? []) {
      if (part.kind === 'text') {
        items.push(stringTerm(part.value, location));
        continue;
      }
      const sub = new Parser(part.tokens, this.file);
      sub.depth = this.depth;
      sub.templateCount = this.templateCount;
      if (sub.at('eof')) this.fail('empty template expression', t);
      const e = sub.parseLiteral();
      sub.expect('eof', 'end of template expression');
      this.templateCount = sub.templateCount;
      let value: Term;
      if (e.negated || (Array.isArray(e.terms) && (opName(e.terms[0]!) === 'assign' || opName(e.terms[0]!) === 'eq'))) {
        this.fail('invalid template expression: expected a value', t);
      }
      if (Array.isArray(e.terms)) value = call(e.terms[0]!, e.terms.slice(1), e.location);
      else if (isTermExpr(e)) value = e.terms;
      else this.fail('invalid template expression: expected a value', t);
      const v = varTerm(`__tpl${this.templateCount++}__`, e.location);
      const body: Expr = {
        type: 'expr',
        terms: [refTerm('eq', e.location), v, value],
        negated: false,
        with: e.with,
        index: 0,
        location: e.location,
        generated: true,
      };
      items.push(term({ type: 'setcomprehension', term: v, body: [body] }, e.location));
    }
    return call(refTerm(TEMPLATE_STRING, location), [term({ type: 'array', items }, location)], location);
  }

  private parseIdentTerm(): Term {
    const t = this.advance();
    const location = this.loc(t);
    const next = this.tok;
    const touching = !next.ws && (next.kind === '.' || next.kind === '[' || next.kind === '(');
    switch (t.text) {
      case 'true':
      case 'false':
        if (!touching) return booleanTerm(t.text === 'true', location);
        break;
      case 'null':
        if (!touching) return term({ type: 'null' }, location);
        break;
      case 'set':
        if (next.kind === '(' && !next.ws && this.peekTok().kind === ')') {
          this.advance();
          this.advance();
          return term({ type: 'set', items: [] }, location);
        }
        break;
      default:
        if (KEYWORDS.has(t.text) && !(touching && t.text !== 'not' && t.text !== 'some' && t.text !== 'every')) {
          this.i--;
          this.unexpected('term');
        }
    }
    return varTerm(t.text, location);
  }

  /** `.name`, `[term]` and `(args)` touching the previous token. */
  private parsePostfix(head: Term): Term {
    let cur = head;
    for (;;) {
      const t = this.tok;
      if (t.ws) return cur;
      if (t.kind === '.') {
        if (!canBeRefHead(cur)) return cur;
        this.advance();
        const n = this.tok;
        if (n.kind !== 'ident') this.unexpected('ident after .');
        this.advance();
        cur = extendRef(cur, stringTerm(n.text, this.loc(n)));
      } else if (t.kind === '[') {
        if (!canBeRefHead(cur)) return cur;
        this.advance();
        const k = this.parseTermIn(false, false);
        this.expect(']');
        cur = extendRef(cur, k);
      } else if (t.kind === '(') {
        if (!isCallable(cur)) return cur;
        this.advance();
        const args = this.at(')') ? [] : this.parseTermList(')');
        this.expect(')');
        const operator = cur.value.type === 'var' ? term<RefValue>({ type: 'ref', head: cur, path: [] }, cur.location) : cur;
        cur = call(operator, args, cur.location);
      } else {
        return cur;
      }
    }
  }

  /** Comma-separated terms up to (not including) `end`; a trailing comma is allowed. */
  private parseTermList(end: TokenKind): Term[] {
    const items: Term[] = [];
    if (this.at(end)) return items;
    for (;;) {
      items.push(this.parseTermIn(false, false));
      if (this.at(',')) {
        this.advance();
        if (this.at(end)) return items;
        continue;
      }
      if (this.at(end)) return items;
      this.unexpected(`, or ${end}`);
    }
  }

  private parseArray(): Term {
    const open = this.advance();
    const location = this.loc(open);
    if (this.at(']')) {
      this.advance();
      return term({ type: 'array', items: [] }, location);
    }
    const afterOpen = this.i;
    let first = this.parseTermIn(false, true);
    if (this.at('|')) {
      // `[q & {1} | {true}]` (infix head) is an array of one union when that reads; `[x | body]`
      // and `[(a & b) | body]` are comprehensions (as regorus reads them).
      if (this.topLevelInfix(afterOpen, this.i)) {
        const arr = this.attempt(() => {
          this.i = afterOpen;
          const items = this.parseTermList(']');
          this.expect(']');
          return term({ type: 'array', items }, location);
        });
        if (arr) return arr;
        this.i = afterOpen;
        first = this.parseTermIn(false, true);
      }
      const compr = this.attempt(() => {
        this.advance();
        const body = this.parseQuery(']');
        this.expect(']');
        return term({ type: 'arraycomprehension', term: first, body }, location);
      });
      if (compr) return compr;
      // `[x | y, 5]`: not a comprehension but an array whose first item is the union `x | y`.
      this.i = afterOpen;
      first = this.parseTermIn(false, false);
    }
    const items = [first];
    if (this.at(',')) {
      this.advance();
      items.push(...this.parseTermList(']'));
    }
    this.expect(']', ', or ]');
    return term({ type: 'array', items }, location);
  }

  private parseBraced(): Term {
    const open = this.advance();
    const location = this.loc(open);
    if (this.at('}')) {
      this.advance();
      return term({ type: 'object', items: [] }, location);
    }
    const afterOpen = this.i;
    let first = this.parseTermIn(false, true);
    if (this.at(':')) {
      this.advance();
      const afterColon = this.i;
      let value = this.parseTermIn(false, true);
      if (this.at('|')) {
        const k = first;
        const v = value;
        const compr = this.attempt(() => {
          this.advance();
          const body = this.parseQuery('}');
          this.expect('}');
          return term({ type: 'objectcomprehension', key: k, value: v, body }, location);
        });
        if (compr) return compr;
        this.i = afterColon;
        value = this.parseTermIn(false, false);
      }
      const items: [Term, Term][] = [[first, value]];
      while (this.at(',')) {
        this.advance();
        if (this.at('}')) break;
        const k = this.parseTermIn(false, false);
        this.expect(':');
        const v = this.parseTermIn(false, false);
        items.push([k, v]);
      }
      this.expect('}', ', or }');
      return term({ type: 'object', items }, location);
    }
    if (this.at('|')) {
      if (this.topLevelInfix(afterOpen, this.i)) {
        const set = this.attempt(() => {
          this.i = afterOpen;
          const items = this.parseTermList('}');
          this.expect('}');
          return term({ type: 'set', items }, location);
        });
        if (set) return set;
        this.i = afterOpen;
        first = this.parseTermIn(false, true);
      }
      const t = first;
      const compr = this.attempt(() => {
        this.advance();
        const body = this.parseQuery('}');
        this.expect('}');
        return term({ type: 'setcomprehension', term: t, body }, location);
      });
      if (compr) return compr;
      this.i = afterOpen;
      first = this.parseTermIn(false, false);
    }
    const items = [first];
    if (this.at(',')) {
      this.advance();
      items.push(...this.parseTermList('}'));
    }
    this.expect('}', ', or }');
    return term({ type: 'set', items }, location);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function tokenAt(t: Term): Token {
  const l = t.location;
  return { kind: 'eof', text: '', row: l.row, col: l.col, offset: 0, end: 0, nl: false, ws: false };
}

const DEFAULT_CALL_KINDS: Readonly<Record<string, string>> = {
  or: 'binexpr',
  and: 'binexpr',
  equal: 'boolexpr',
  neq: 'boolexpr',
  lt: 'boolexpr',
  lte: 'boolexpr',
  gt: 'boolexpr',
  gte: 'boolexpr',
  plus: 'arithexpr',
  minus: 'arithexpr',
  mul: 'arithexpr',
  div: 'arithexpr',
  rem: 'arithexpr',
};

/** A default value must be a constant: no vars, refs or calls outside comprehensions. */
function validateDefaultValue(t: Term, fail: (at: Term, message: string) => never): void {
  const v = t.value;
  switch (v.type) {
    case 'var':
      fail(t, 'invalid `var` in default value');
      break;
    case 'ref':
      fail(t, 'invalid `ref` in default value');
      break;
    case 'call': {
      const name = opName(v.operator) ?? '';
      if (name === MEMBER_2 || name === MEMBER_3) fail(v.operator, 'unexpected keyword `in` in default value');
      fail(t, `invalid \`${DEFAULT_CALL_KINDS[name] ?? 'call'}\` in default value`);
      break;
    }
    case 'array':
    case 'set':
      for (const x of v.items) validateDefaultValue(x, fail);
      break;
    case 'object':
      for (const [k, x] of v.items) {
        validateDefaultValue(k, fail);
        validateDefaultValue(x, fail);
      }
      break;
    default:
      break;
  }
}

function call(operator: Term, args: Term[], location: Location): Term {
  return term({ type: 'call', operator, args }, location);
}

function opName(op: Term): string | null {
  if (op.value.type !== 'ref' || op.value.head.value.type !== 'var') return null;
  const parts = [op.value.head.value.name];
  for (const p of op.value.path) {
    if (p.value.type !== 'string') return null;
    parts.push(p.value.value);
  }
  return parts.join('.');
}

function canBeRefHead(t: Term): boolean {
  switch (t.value.type) {
    case 'var':
    case 'ref':
    case 'call':
    case 'array':
    case 'object':
    case 'set':
    case 'arraycomprehension':
    case 'setcomprehension':
    case 'objectcomprehension':
      return true;
    default:
      return false;
  }
}

/** Calls are made on a var or a ref of a var followed by strings (`f`, `regex.match`, `data.x.f`). */
function isCallable(t: Term): boolean {
  if (t.value.type === 'var') return true;
  if (t.value.type === 'ref') return opName(t) !== null;
  return false;
}

function extendRef(cur: Term, elem: Term): Term {
  if (cur.value.type === 'ref') {
    return term({ type: 'ref', head: cur.value.head, path: [...cur.value.path, elem] }, cur.location);
  }
  return term({ type: 'ref', head: cur, path: [elem] }, cur.location);
}

function isGroundScalar(t: Term): boolean {
  const k = t.value.type;
  return k === 'string' || k === 'number' || k === 'boolean' || k === 'null';
}

function generatedTrue(location: Location): Expr {
  return { type: 'expr', terms: booleanTerm(true, location), negated: false, with: [], index: 0, location, generated: true };
}

function headName(h: Head): string {
  return h.ref
    .map((t, i) => (i === 0 && t.value.type === 'var' ? t.value.name : t.value.type === 'string' ? `.${t.value.value}` : '[…]'))
    .join('');
}

function cloneHead(h: Head): Head {
  return structuredClone(h);
}

/** `.5` → `0.5`; otherwise the literal text is kept as written. */
function normalizeNumber(text: string): string {
  return text.startsWith('.') ? '0' + text : text;
}
