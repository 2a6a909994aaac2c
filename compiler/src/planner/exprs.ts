// Planning bodies and expressions: queries, `not`, `some`, `every`, `with` (input/data values and
// function/builtin mocks), calls of functions and builtins, membership.

import type {
  Body,
  Every,
  Expr,
  Location,
  SomeDecl,
  SomeIn,
  Term,
  With,
} from '../ast.ts';
import { isCallExpr, isEveryExpr, isSomeExpr, isTermExpr, operatorName } from '../ast.ts';
import * as ir from '../ir/types.ts';
import { builtinArity, RELATION_BUILTINS } from './builtin-arity.ts';
import { lookupNode, type RuleNode } from './ruletree.ts';
import { TermPlanner } from './terms.ts';
import { DATA, fail, INPUT, MOCK_DATA_KEY, type Callee, type Iter, type Mock } from './base.ts';

export abstract class ExprPlanner extends TermPlanner {
  protected planQuery(body: Body, i: number, iter: Iter): void {
    const e = body[i];
    if (!e) return iter();
    const old = this.loc;
    this.loc = e.location;
    this.planExpr(e, () => {
      this.planQuery(body, i + 1, iter);
    });
    this.loc = old;
  }

  protected planExpr(e: Expr, iter: Iter): void {
    if (e.negated) return this.planNot(e, iter);
    if (e.with.length > 0) return this.planWith(e, iter);
    if (isSomeExpr(e)) {
      if (e.terms.type === 'some') return this.planSomeDecl(e.terms, iter);
      return this.planSomeIn(e.terms, iter);
    }
    if (isEveryExpr(e)) return this.planEvery(e.terms, iter);
    if (isCallExpr(e)) return this.planExprCall(e.terms, iter);
    if (isTermExpr(e)) {
      return this.planTerm(e.terms, () => {
        this.emit({ type: 'NotEqualStmt', a: this.ltarget, b: { type: 'bool', value: false } });
        iter();
      });
    }
    fail(e.location, 'unsupported expression');
  }

  protected planNot(e: Expr, iter: Iter): void {
    this.planNegation(() => {
      this.planExpr({ ...e, negated: false }, this.pendingSuccess());
    });
    iter();
  }

  /**
   * NotStmt around a body that may iterate: a scan statement always "completes", so success is
   * recorded in a flag set where the body's continuation runs, and tested at the block's end.
   */
  protected planNegation(body: () => void): void {
    const lok = this.newLocal();
    const inner: ir.Block = { stmts: [] };
    const block: ir.Block = { stmts: [] };
    const prev = this.curr;
    this.curr = inner;
    this.vars.push();
    const saved = this.successFlag;
    this.successFlag = lok;
    body();
    this.successFlag = saved;
    this.vars.pop();
    this.curr = block;
    this.emit({ type: 'ResetLocalStmt', target: lok });
    this.emit({ type: 'BlockStmt', blocks: [inner] });
    this.emit({ type: 'IsDefinedStmt', source: lok });
    this.curr = prev;
    this.emit({ type: 'NotStmt', block });
  }

  protected successFlag: ir.Local | undefined;

  /** The continuation of a negated body: record that it succeeded. */
  protected pendingSuccess(): Iter {
    const lok = this.successFlag;
    return () => {
      if (lok !== undefined) this.emit({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lok });
    };
  }

  protected planSomeDecl(d: SomeDecl, iter: Iter): void {
    for (const v of d.vars) this.vars.declare(v.value.name);
    iter();
  }

  protected planSomeIn(s: SomeIn, iter: Iter): void {
    this.planTerm(s.domain, () => {
      const src = this.toLocal(this.ltarget);
      for (const t of [s.key, s.value]) if (t) this.declareVars(t);
      this.planScanWith(src, (lk, lv) => {
        const unifyValue = (): void => this.planUnifyLocal(this.local(lv), s.value, iter);
        if (s.key) this.planUnifyLocal(this.local(lk), s.key, unifyValue);
        else unifyValue();
      });
    });
  }

  protected planEvery(ev: Every, iter: Iter): void {
    this.planTerm(ev.domain, () => {
      const src = this.toLocal(this.ltarget);
      // The domain must be a collection (OPA: every over 42 is undefined, not vacuously true).
      const lok = this.newLocal();
      this.emit({ type: 'ResetLocalStmt', target: lok });
      this.emit({
        type: 'BlockStmt',
        blocks: (['IsArrayStmt', 'IsObjectStmt', 'IsSetStmt'] as const).map((t) => ({
          stmts: [this.located({ type: t, source: this.local(src) }), this.located({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lok })],
        })),
      });
      this.emit({ type: 'IsDefinedStmt', source: lok });
      const lfail = this.newLocal();
      this.emit({ type: 'ResetLocalStmt', target: lfail });
      const outer: ir.Block = { stmts: [] };
      const prev = this.curr;
      this.curr = outer;
      this.vars.push();
      for (const t of [ev.key, ev.value]) if (t) this.declareVars(t);
      this.planScanWith(src, (lk, lv) => {
        const body = (): void => {
          this.planNegation(() => this.planQuery(ev.body, 0, this.pendingSuccess()));
          this.emit({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lfail });
        };
        const unifyValue = (): void => this.planUnifyLocal(this.local(lv), ev.value, body);
        if (ev.key) this.planUnifyLocal(this.local(lk), ev.key, unifyValue);
        else unifyValue();
      });
      this.vars.pop();
      this.curr = prev;
      this.emit({ type: 'BlockStmt', blocks: [outer] });
      this.emit({ type: 'IsUndefinedStmt', source: lfail });
      iter();
    });
  }

  protected planWith(e: Expr, iter: Iter): void {
    const withs = e.with;
    // Mocks of functions/builtins vs. replacements of input/data documents.
    const docWiths: { w: With; head: 'input' | 'data'; path: string[] }[] = [];
    const mockWiths: { w: With; callee: Callee }[] = [];
    const mocks = new Map<string, Mock>();
    for (const w of withs) {
      const t = this.withTarget(w);
      if (t.kind === 'doc') {
        docWiths.push({ w, head: t.head, path: t.path });
        continue;
      }
      mockWiths.push({ w, callee: t.callee });
      let mock = this.mockFor(w);
      if (mock.kind === 'value' && !mock.ground) {
        // A value computed here (`with count as x`, x local) reaches the rules that call the
        // mocked function through the data document: it is stored under a reserved key for
        // the duration of the expression, and the mocked call reads it from there.
        const slot = [MOCK_DATA_KEY, t.callee.key];
        docWiths.push({ w, head: 'data', path: slot });
        const loc = w.location;
        mock = {
          kind: 'value',
          ground: true,
          site: this.site,
          term: {
            value: { type: 'ref', head: { value: { type: 'var', name: 'data' }, location: loc }, path: slot.map((s) => ({ value: { type: 'string', value: s }, location: loc })) },
            location: loc,
          },
        };
      }
      mocks.set(t.callee.key, mock);
    }
    this.planTermSlice(
      docWiths.map((d) => d.w.value),
      0,
      [],
      (values) => {
        // Save the documents that are replaced, to restore them for the rest of the body.
        const heads = [...new Set(docWiths.map((d) => d.head))].sort();
        const restore = heads.map((h) => {
          const lorig = h === 'input' ? INPUT : DATA;
          const lsave = this.newLocal();
          this.emit({ type: 'AssignVarStmt', source: this.local(lorig), target: lsave });
          return [lorig, lsave] as const;
        });
        // Rules under a replaced data path must not be called: hide them and re-plan.
        const hidden: RuleNode[] = [];
        for (const d of docWiths) {
          if (d.head !== 'data') continue;
          const n = lookupNode(this.root, d.path);
          if (n) hidden.push(n);
        }
        const mockFrame = new Map<string, Mock>();
        for (const m of mockWiths) {
          const mk = mocks.get(m.callee.key);
          if (mk) mockFrame.set(m.callee.key, mk);
        }
        const shadow = hidden.length > 0 || mockFrame.size > 0;
        const enter = (): void => {
          if (!shadow) return;
          this.funcCache.push({ gen: ++this.genCounter, map: new Map() });
          for (const n of hidden) n.hidden++;
          if (mockFrame.size > 0) this.mocks.push(mockFrame);
        };
        const leave = (): void => {
          if (!shadow) return;
          this.funcCache.pop();
          for (const n of hidden) n.hidden--;
          if (mockFrame.size > 0) this.mocks.pop();
        };
        enter();
        this.planWithRec(e, docWiths, values, 0, () => {
          leave();
          this.planWithUndo(restore, 0, iter);
          enter();
        });
        leave();
      },
    );
  }

  protected planWithRec(
    e: Expr,
    withs: { w: With; head: 'input' | 'data'; path: string[] }[],
    values: ir.Operand[],
    i: number,
    iter: Iter,
  ): void {
    const w = withs[i];
    const v = values[i];
    if (!w || !v) return this.planExpr({ ...e, with: [] }, iter);
    const prev = this.curr;
    const block: ir.Block = { stmts: [] };
    this.curr = block;
    this.planWithRec(e, withs, values, i + 1, iter);
    this.curr = prev;
    this.emit({
      type: 'WithStmt',
      local: w.head === 'input' ? INPUT : DATA,
      path: w.path.map((s) => this.strIndex(s)),
      value: v,
      block,
    });
  }

  protected planWithUndo(restore: (readonly [ir.Local, ir.Local])[], i: number, iter: Iter): void {
    const r = restore[i];
    if (!r) return iter();
    const prev = this.curr;
    const block: ir.Block = { stmts: [] };
    this.curr = block;
    this.planWithUndo(restore, i + 1, iter);
    this.curr = prev;
    this.emit({ type: 'WithStmt', local: r[0], path: [], value: this.local(r[1]), block });
  }

  protected withTarget(
    w: With,
  ): { kind: 'doc'; head: 'input' | 'data'; path: string[] } | { kind: 'mock'; callee: Callee } {
    const t = w.target;
    let head: string | undefined;
    let path: Term[] = [];
    if (t.value.type === 'var') head = t.value.name;
    else if (t.value.type === 'ref' && t.value.head.value.type === 'var') {
      head = t.value.head.value.name;
      path = t.value.path;
    }
    if (head === undefined) fail(w.location, 'invalid with target');
    const strs = path.map((p) => (p.value.type === 'string' ? p.value.value : null));
    if (head === 'input' && !this.vars.knows('input')) {
      if (strs.some((s) => s === null)) fail(w.location, 'with target path must be constant');
      return { kind: 'doc', head: 'input', path: strs as string[] };
    }
    const callee = this.resolveCallee(t, w.location, true);
    if (callee) return { kind: 'mock', callee };
    const resolved = this.resolveDataRef(head, strs);
    if (resolved) return { kind: 'doc', head: 'data', path: resolved };
    fail(w.location, 'with target must be input, data, or a function');
  }

  /** Absolute data path of a name written in this module (`data.x.y`, an import, a package rule). */
  protected resolveDataRef(head: string, strs: (string | null)[]): string[] | undefined {
    if (strs.some((s) => s === null)) return undefined;
    const rest = strs as string[];
    if (head === 'data') return rest;
    const imp = this.ctx.imports.get(head);
    if (imp && imp.value.head.value.type === 'var' && imp.value.head.value.name === 'data') {
      const ip = imp.value.path.map((p) => (p.value.type === 'string' ? p.value.value : ''));
      return [...ip, ...rest];
    }
    if (!this.vars.knows(head) && lookupNode(this.root, [...this.ctx.pkg, head])) return [...this.ctx.pkg, head, ...rest];
    return undefined;
  }

  protected mockFor(w: With): Mock {
    const v = w.value;
    const asCallee = v.value.type === 'var' || v.value.type === 'ref' ? this.resolveCallee(v, w.location, true) : undefined;
    if (asCallee) return { kind: 'func', target: asCallee, cacheDepth: this.funcCache.length, mockDepth: this.mocks.length };
    return { kind: 'value', term: v, ground: this.isPortable(v), site: this.site };
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  protected planExprCall(terms: Term[], iter: Iter): void {
    const [op, ...args] = terms;
    if (!op) fail(this.loc, 'empty call');
    const name = operatorName(op);
    const a0 = args[0];
    const a1 = args[1];
    switch (name) {
      case 'eq':
        if (!a0 || !a1) fail(op.location, 'eq needs two operands');
        return this.planUnify(a0, a1, iter);
      case 'assign':
        if (!a0 || !a1) fail(op.location, 'assign needs two operands');
        this.declareVars(a0);
        return this.planUnify(a0, a1, iter);
      case 'equal':
      case 'neq':
        if (args.length === 2 && a0 && a1 && !this.isMocked(name)) {
          return this.planTermsBindingFirst([a0, a1], ([la, lb]) => {
            if (!la || !lb) return;
            this.emit({ type: name === 'equal' ? 'EqualStmt' : 'NotEqualStmt', a: la, b: lb });
            iter();
          });
        }
        break;
      case 'print':
      case 'internal.print':
      case 'trace':
        // Debugging output with no effect on results: kept only when output is wanted.
        if (!this.print || name === 'print') return iter();
        break;
    }
    this.planCall(op, args, 'expr', iter);
  }

  /**
   * Plans a call. mode 'expr': the call is an expression (an extra operand captures the output;
   * otherwise the result must be defined and not false). mode 'term': the result becomes ltarget.
   */
  protected planCall(op: Term, args: Term[], mode: 'expr' | 'term', iter: Iter): void {
    const name = operatorName(op) ?? '';
    if ((name === 'internal.member_2' || name === 'internal.member_3') && !this.isMocked(name)) {
      const n = name === 'internal.member_2' ? 2 : 3;
      if (args.length === n) {
        return this.planMember(args, () => {
          if (mode === 'expr') this.emit({ type: 'NotEqualStmt', a: this.ltarget, b: { type: 'bool', value: false } });
          iter();
        });
      }
    }
    if ((name === 'equal' || name === 'neq') && args.length === 2 && mode === 'term' && !this.isMocked(name)) {
      const [a0, a1] = args as [Term, Term];
      return this.planTerm(a0, () => {
        const la = this.ltarget;
        this.planTerm(a1, () => {
          const lr = this.newLocal();
          this.emit({ type: 'AssignVarStmt', source: { type: 'bool', value: false }, target: lr });
          this.emit({
            type: 'BlockStmt',
            blocks: [
              {
                stmts: [
                  this.located({ type: name === 'equal' ? 'EqualStmt' : 'NotEqualStmt', a: la, b: this.ltarget }),
                  this.located({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lr }),
                ],
              },
            ],
          });
          this.ltarget = this.local(lr);
          iter();
        });
      });
    }

    let callee = this.resolveCallee(op, op.location, false);
    if (!callee) fail(op.location, `undefined function ${name}`);
    const mock = this.lookupMock(callee.key);
    if (mock?.kind === 'value') {
      return this.planMockValue(mock, args, callee, mode, iter);
    }
    let outside: (Mock & { kind: 'func' }) | undefined;
    if (mock?.kind === 'func') {
      callee = mock.target;
      outside = mock;
    }

    let fname: string;
    let arity: number;
    let pre: ir.Operand[] = [];
    let relation = false;
    if (callee.kind === 'func') {
      const node = callee.node;
      // A replacement function is planned as written: the mock does not apply inside it.
      fname = outside ? this.planOutsideMocks(outside, () => this.planRules(node)) : this.planRules(node);
      arity = callee.node.arity();
      pre = [this.local(INPUT), this.local(DATA)];
    } else {
      fname = callee.name;
      arity = builtinArity(callee.name) ?? args.length;
      relation = RELATION_BUILTINS.has(callee.name);
      this.builtins.set(callee.name, arity);
    }
    const orig = this.resolveCallee(op, op.location, false);
    if (orig && orig.kind === 'func' && callee !== orig) arity = orig.node.arity();

    if (args.length < arity || args.length > arity + 1) {
      fail(op.location, `${name}: wrong number of arguments: got ${args.length}, want ${arity}`);
    }
    const inputs = args.slice(0, arity);
    const output = args.length > arity ? args[arity] : undefined;
    this.planTermsBindingFirst(inputs, (vals) => {
      const result = this.newLocal();
      const call: ir.Stmt = { type: 'CallStmt', func: fname, args: [...pre, ...vals], result };
      // A call inside an expression is located at its own term (an infix one at its left operand),
      // as OPA locates the expression it rewrites such a call into: a runtime error names it.
      const at = mode === 'term' ? callTermLocation(op, args) : undefined;
      if (at && this.loc && at.file === this.loc.file) this.curr.stmts.push({ ...this.located(call), location: { file: at.file, row: at.row, col: at.col } });
      else this.emit(call);
      if (relation) {
        if (output) return this.planScanValuesOf(result, output, iter);
        if (mode === 'expr') {
          const n = this.newLocal();
          this.emit({ type: 'LenStmt', source: this.local(result), target: n });
          const z = this.newLocal();
          this.emit({ type: 'MakeNumberIntStmt', value: 0, target: z });
          this.emit({ type: 'NotEqualStmt', a: this.local(n), b: this.local(z) });
        }
        this.ltarget = this.local(result);
        return iter();
      }
      if (output) return this.planUnifyLocal(this.local(result), output, iter);
      this.ltarget = this.local(result);
      if (mode === 'expr') this.emit({ type: 'NotEqualStmt', a: this.ltarget, b: { type: 'bool', value: false } });
      iter();
    });
  }

  protected planMockValue(mock: Mock & { kind: 'value' }, args: Term[], callee: Callee, mode: 'expr' | 'term', iter: Iter): void {
    if (!mock.ground && mock.site !== this.site) fail(this.loc, 'with: a non-constant replacement value can only be used directly in the with expression');
    const arity = callee.kind === 'func' ? callee.node.arity() : (builtinArity(callee.name) ?? args.length);
    const output = args.length > arity ? args[arity] : undefined;
    this.planTermSlice(args.slice(0, arity), 0, [], () => {
      this.planTerm(mock.term, () => {
        if (output) return this.planUnifyLocal(this.ltarget, output, iter);
        if (mode === 'expr') this.emit({ type: 'NotEqualStmt', a: this.ltarget, b: { type: 'bool', value: false } });
        iter();
      });
    });
  }

  /** Plans a replacement function as written: no `with` replacement applies inside it (OPA). */
  protected planOutsideMocks<T>(_m: { cacheDepth: number; mockDepth: number }, f: () => T): T {
    if (this.mocks.length === 0) return f();
    const mocks = this.mocks.splice(0);
    this.funcCache.push({ gen: ++this.genCounter, map: new Map() });
    try {
      return f();
    } finally {
      this.funcCache.pop();
      this.mocks.push(...mocks);
    }
  }

  protected isMocked(name: string): boolean {
    return this.lookupMock(name) !== undefined;
  }

  protected lookupMock(key: string): Mock | undefined {
    for (let i = this.mocks.length - 1; i >= 0; i--) {
      const m = this.mocks[i]?.get(key);
      if (m) return m;
    }
    return undefined;
  }

  /** Resolves a call operator (or with target) to a user function or a builtin. */
  protected resolveCallee(op: Term, loc: Location, quiet: boolean): Callee | undefined {
    let head: string | undefined;
    let path: Term[] = [];
    if (op.value.type === 'var') head = op.value.name;
    else if (op.value.type === 'ref' && op.value.head.value.type === 'var') {
      head = op.value.head.value.name;
      path = op.value.path;
    }
    if (head === undefined) {
      if (quiet) return undefined;
      fail(loc, 'invalid function reference');
    }
    const strs = path.map((p) => (p.value.type === 'string' ? p.value.value : null));
    const dataPath = this.resolveDataRef(head, strs);
    if (dataPath) {
      const node = lookupNode(this.root, dataPath);
      if (node && node.isFunction()) return { kind: 'func', node, key: `data.${dataPath.join('.')}` };
      if (head === 'data' || quiet) return undefined;
    }
    const dotted = [head, ...strs].join('.');
    if (strs.every((s) => s !== null) && builtinArity(dotted) !== undefined) return { kind: 'builtin', name: dotted, key: dotted };
    return undefined;
  }

  /** `x in xs` / `k, x in xs` as a boolean. */
  protected planMember(args: Term[], iter: Iter): void {
    const coll = args[args.length - 1];
    if (!coll) fail(this.loc, 'membership needs a collection');
    const parts = args.slice(0, -1);
    this.planTermSlice(parts, 0, [], (vals) => {
      this.planTerm(coll, () => {
        const src = this.toLocal(this.ltarget);
        const lr = this.newLocal();
        this.emit({ type: 'AssignVarStmt', source: { type: 'bool', value: false }, target: lr });
        const scanBlock: ir.Block = { stmts: [] };
        const lk = this.newLocal();
        const lv = this.newLocal();
        if (vals.length === 2 && vals[0]) scanBlock.stmts.push(this.located({ type: 'EqualStmt', a: this.local(lk), b: vals[0] }));
        const v = vals[vals.length - 1];
        if (v) scanBlock.stmts.push(this.located({ type: 'EqualStmt', a: this.local(lv), b: v }));
        scanBlock.stmts.push(this.located({ type: 'AssignVarStmt', source: { type: 'bool', value: true }, target: lr }));
        this.emit({ type: 'ScanStmt', source: src, key: lk, value: lv, block: scanBlock });
        this.ltarget = this.local(lr);
        iter();
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Unification
}

/** Where a call term starts: its operator, or its first argument when that comes first (infix). */
function callTermLocation(op: Term, args: Term[]): { file: string; row: number; col: number } | undefined {
  const a = args[0]?.location;
  const o = op.location;
  if (a && (a.row < o.row || (a.row === o.row && a.col < o.col))) return a;
  return o;
}
