// Planning terms: values, variables, refs (into input, locals and data, with rules merged into
// the base document), scans, comprehensions and unification.

import type { Body, RefValue, Term } from '../ast.ts';
import * as ir from '../ir/types.ts';
import type { RuleNode } from './ruletree.ts';
import { DATA, fail, INPUT, PlannerBase, type Iter } from './base.ts';


export abstract class TermPlanner extends PlannerBase {
  protected planUnify(a: Term, b: Term, iter: Iter): void {
    const va = a.value;
    const vb = b.value;
    if (va.type === 'var' && this.lookupVar(va.name).kind !== 'ref') return this.planUnifyVar(va.name, b, iter);
    if (va.type === 'array') {
      if (vb.type === 'var' && this.lookupVar(vb.name).kind !== 'ref') return this.planUnifyVar(vb.name, a, iter);
      if (vb.type === 'array') {
        if (va.items.length !== vb.items.length) return this.emitFalse(iter);
        return this.planUnifyArrays(va.items, vb.items, 0, iter);
      }
      return this.planTerm(b, () => this.planUnifyLocal(this.ltarget, a, iter));
    }
    if (va.type === 'object') {
      if (vb.type === 'var' && this.lookupVar(vb.name).kind !== 'ref') return this.planUnifyVar(vb.name, a, iter);
      if (vb.type === 'object' && !this.isGround(a) && !this.isGround(b)) return this.planUnifyObjects(a, b, iter);
      if (vb.type === 'object' && this.isGround(a)) return this.planTerm(a, () => this.planUnifyLocal(this.ltarget, b, iter));
      return this.planTerm(b, () => this.planUnifyLocal(this.ltarget, a, iter));
    }
    if (vb.type === 'var' || vb.type === 'array' || vb.type === 'object') {
      return this.planTerm(a, () => this.planUnifyLocal(this.ltarget, b, iter));
    }
    return this.planTerm(a, () => this.planUnifyLocal(this.ltarget, b, iter));
  }

  /** A statement that is always undefined: the rest of the body never runs. */
  protected emitFalse(iter: Iter): void {
    this.emit({ type: 'EqualStmt', a: { type: 'bool', value: true }, b: { type: 'bool', value: false } });
    iter();
  }

  protected planUnifyVar(name: string, b: Term, iter: Iter): void {
    const l = this.vars.get(name);
    if (l !== undefined) return this.planUnifyLocal(this.local(l), b, iter);
    if (b.value.type === 'var') {
      const lb = this.lookupVar(b.value.name);
      if (lb.kind === 'unbound') fail(b.location, `var ${name} and ${b.value.name} are both unsafe`);
    }
    this.planTerm(b, () => {
      const target = this.newLocal();
      this.vars.put(name, target);
      this.emit({ type: 'AssignVarStmt', source: this.ltarget, target });
      iter();
    });
  }

  protected planUnifyLocal(a: ir.Operand, b: Term, iter: Iter): void {
    const vb = b.value;
    if (vb.type === 'var') {
      const lv = this.lookupVar(vb.name);
      if (lv.kind === 'local') {
        this.emit({ type: 'EqualStmt', a, b: this.local(lv.local) });
        return iter();
      }
      if (lv.kind === 'unbound') {
        const t = this.newLocal();
        this.vars.put(vb.name, t);
        this.emit({ type: 'AssignVarStmt', source: a, target: t });
        return iter();
      }
    }
    if (vb.type === 'array' && !this.isGround(b)) return this.planUnifyLocalArray(a, vb.items, iter);
    if (vb.type === 'object' && !this.isGround(b)) return this.planUnifyLocalObject(a, vb.items, iter);
    this.planTerm(b, () => {
      this.emit({ type: 'EqualStmt', a, b: this.ltarget });
      iter();
    });
  }

  protected planUnifyLocalArray(a: ir.Operand, items: Term[], iter: Iter): void {
    this.emit({ type: 'IsArrayStmt', source: a });
    const alen = this.newLocal();
    const blen = this.newLocal();
    this.emit({ type: 'LenStmt', source: a, target: alen });
    this.emit({ type: 'MakeNumberIntStmt', value: items.length, target: blen });
    this.emit({ type: 'EqualStmt', a: this.local(alen), b: this.local(blen) });
    this.planEach(items, (item, next, i) => {
      const lk = this.newLocal();
      const lv = this.newLocal();
      this.emit({ type: 'MakeNumberIntStmt', value: i, target: lk });
      this.emit({ type: 'DotStmt', source: a, key: this.local(lk), target: lv });
      this.planUnifyLocal(this.local(lv), item, next);
    }, iter);
  }

  protected planUnifyLocalObject(a: ir.Operand, items: [Term, Term][], iter: Iter): void {
    this.emit({ type: 'IsObjectStmt', source: a });
    const alen = this.newLocal();
    const blen = this.newLocal();
    this.emit({ type: 'LenStmt', source: a, target: alen });
    this.emit({ type: 'MakeNumberIntStmt', value: items.length, target: blen });
    this.emit({ type: 'EqualStmt', a: this.local(alen), b: this.local(blen) });
    this.planEach(items, (item, next) => {
      this.planTerm(item[0], () => {
        const lv = this.newLocal();
        this.emit({ type: 'DotStmt', source: a, key: this.ltarget, target: lv });
        this.planUnifyLocal(this.local(lv), item[1], next);
      });
    }, iter);
  }

  protected planUnifyArrays(a: Term[], b: Term[], i: number, iter: Iter): void {
    const x = a[i];
    const y = b[i];
    if (!x || !y) return iter();
    this.planUnify(x, y, () => this.planUnifyArrays(a, b, i + 1, iter));
  }

  protected planUnifyObjects(a: Term, b: Term, iter: Iter): void {
    if (a.value.type !== 'object' || b.value.type !== 'object') return iter();
    const ai = a.value.items;
    const bi = b.value.items;
    if (ai.length !== bi.length) return this.emitFalse(iter);
    const keyOf = (t: Term): string => JSON.stringify(t.value, (k, v: unknown) => (k === 'location' ? undefined : v));
    const bmap = new Map(bi.map(([k, v]) => [keyOf(k), v] as const));
    const pairs: [Term, Term][] = [];
    for (const [k, v] of ai) {
      const other = bmap.get(keyOf(k));
      if (!other) return this.emitFalse(iter);
      pairs.push([v, other]);
    }
    this.planEach(pairs, (p, next) => this.planUnify(p[0], p[1], next), iter);
  }

  // ---------------------------------------------------------------------------------------------
  // Terms

  protected planTerm(t: Term, iter: Iter): void {
    const v = t.value;
    switch (v.type) {
      case 'null': {
        const l = this.newLocal();
        this.emit({ type: 'MakeNullStmt', target: l });
        this.ltarget = this.local(l);
        return iter();
      }
      case 'boolean':
        this.ltarget = { type: 'bool', value: v.value };
        return iter();
      case 'number': {
        const l = this.newLocal();
        if (/^-?\d{1,9}$/.test(v.text)) this.emit({ type: 'MakeNumberIntStmt', value: Number(v.text), target: l });
        else this.emit({ type: 'MakeNumberRefStmt', index: this.strIndex(v.text), target: l });
        this.ltarget = this.local(l);
        return iter();
      }
      case 'string':
        this.ltarget = this.str(v.value);
        return iter();
      case 'var':
        return this.planVar(v.name, t, iter);
      case 'ref':
        return this.planRef(t as Term<RefValue>, iter);
      case 'array': {
        const l = this.newLocal();
        this.emit({ type: 'MakeArrayStmt', capacity: v.items.length, target: l });
        const filled = (): void => {
          this.ltarget = this.local(l);
          iter();
        };
        return this.planEach(v.items, (item, next) => this.planTerm(item, () => {
          this.emit({ type: 'ArrayAppendStmt', value: this.ltarget, array: l });
          next();
        }), filled);
      }
      case 'set': {
        const l = this.newLocal();
        this.emit({ type: 'MakeSetStmt', target: l });
        const filled = (): void => {
          this.ltarget = this.local(l);
          iter();
        };
        return this.planEach(v.items, (item, next) => this.planTerm(item, () => {
          this.emit({ type: 'SetAddStmt', value: this.ltarget, set: l });
          next();
        }), filled);
      }
      case 'object': {
        const l = this.newLocal();
        this.emit({ type: 'MakeObjectStmt', target: l });
        const filled = (): void => {
          this.ltarget = this.local(l);
          iter();
        };
        return this.planEach(v.items, (item, next) => this.planTerm(item[0], () => {
          const k = this.ltarget;
          this.planTerm(item[1], () => {
            this.emit({ type: 'ObjectInsertStmt', key: k, value: this.ltarget, object: l });
            next();
          });
        }), filled);
      }
      case 'arraycomprehension': {
        const l = this.newLocal();
        this.emit({ type: 'MakeArrayStmt', capacity: 0, target: l });
        return this.planComprehension(v.body, () => {
          this.planTerm(v.term, () => this.emit({ type: 'ArrayAppendStmt', value: this.ltarget, array: l }));
        }, l, iter);
      }
      case 'setcomprehension': {
        const l = this.newLocal();
        this.emit({ type: 'MakeSetStmt', target: l });
        return this.planComprehension(v.body, () => {
          this.planTerm(v.term, () => this.emit({ type: 'SetAddStmt', value: this.ltarget, set: l }));
        }, l, iter);
      }
      case 'objectcomprehension': {
        const l = this.newLocal();
        this.emit({ type: 'MakeObjectStmt', target: l });
        return this.planComprehension(v.body, () => {
          this.planTerm(v.key, () => {
            const k = this.ltarget;
            this.planTerm(v.value, () => this.emit({ type: 'ObjectInsertOnceStmt', key: k, value: this.ltarget, object: l }));
          });
        }, l, iter);
      }
      case 'call':
        return this.planCall(v.operator, v.args, 'term', iter);
    }
  }

  protected planComprehension(body: Body, closure: Iter, target: ir.Local, iter: Iter): void {
    this.vars.push();
    const prev = this.curr;
    const block: ir.Block = { stmts: [] };
    this.curr = block;
    const ploc = this.loc;
    this.planQuery(body, 0, closure);
    this.curr = prev;
    this.loc = ploc;
    this.vars.pop();
    this.emit({ type: 'BlockStmt', blocks: [block] });
    this.ltarget = this.local(target);
    iter();
  }

  protected planVar(name: string, t: Term, iter: Iter): void {
    const r = this.lookupVar(name);
    if (r.kind === 'local') {
      if (r.local === INPUT) this.emit({ type: 'IsDefinedStmt', source: INPUT });
      this.ltarget = this.local(r.local);
      return iter();
    }
    if (r.kind === 'ref') return this.planRef({ value: r.ref, location: t.location }, iter);
    // An unbound variable in a value position: a fresh, undefined local (the checks reject
    // unsafe variables, so this only happens for outputs planned elsewhere).
    const l = this.newLocal();
    this.vars.put(name, l);
    this.ltarget = this.local(l);
    iter();
  }

  protected planRef(t: Term<RefValue>, iter: Iter): void {
    const ref = t.value;
    const head = ref.head;
    if (head.value.type === 'var') {
      const name = head.value.name;
      const r = this.lookupVar(name);
      if (r.kind === 'local') {
        if (r.local === INPUT && ref.path.length === 0) this.emit({ type: 'IsDefinedStmt', source: INPUT });
        this.ltarget = this.local(r.local);
        return this.planRefRec(ref.path, 0, iter);
      }
      if (r.kind === 'ref') {
        const inner = r.ref;
        if (inner.head.value.type === 'var' && inner.head.value.name === 'data') {
          return this.planRefData(this.root, { local: DATA, path: [] }, [...inner.path, ...ref.path], 0, iter);
        }
        return this.planRef({ value: { type: 'ref', head: inner.head, path: [...inner.path, ...ref.path] }, location: t.location }, iter);
      }
      fail(head.location, `var ${name} is unsafe`);
    }
    this.planTerm(head, () => this.planRefRec(ref.path, 0, iter));
  }

  /** dataKeys: the path walks the base data document, where `data.x[2]` may mean key "2". */
  protected planRefRec(path: Term[], i: number, iter: Iter, dataKeys = false): void {
    const key = path[i];
    if (!key) return iter();
    const next = (): void => this.planRefRec(path, i + 1, iter, dataKeys);
    if (dataKeys && key.value.type === 'number') return this.planDataNumberDot(key.value.text, next);
    if (this.isKnown(key)) return this.planDot(key, next);
    this.planScan(key, () => next());
  }

  /** A number key into base data: an array index, or else the object key spelled as text. */
  protected planDataNumberDot(text: string, iter: Iter): void {
    const source = this.ltarget;
    const t = this.newLocal();
    const n = this.newLocal();
    this.emit({ type: 'ResetLocalStmt', target: t });
    this.emit({
      type: 'BlockStmt',
      blocks: [
        {
          stmts: [
            this.located(/^-?\d{1,9}$/.test(text) ? { type: 'MakeNumberIntStmt', value: Number(text), target: n } : { type: 'MakeNumberRefStmt', index: this.strIndex(text), target: n }),
            this.located({ type: 'DotStmt', source, key: this.local(n), target: t }),
          ],
        },
      ],
    });
    this.emit({
      type: 'BlockStmt',
      blocks: [{ stmts: [this.located({ type: 'IsUndefinedStmt', source: t }), this.located({ type: 'DotStmt', source, key: this.str(text), target: t })] }],
    });
    this.emit({ type: 'IsDefinedStmt', source: t });
    this.ltarget = this.local(t);
    iter();
  }

  protected planDot(key: Term, iter: Iter): void {
    const source = this.ltarget;
    this.planTerm(key, () => {
      const target = this.newLocal();
      this.emit({ type: 'DotStmt', source, key: this.ltarget, target });
      this.ltarget = this.local(target);
      iter();
    });
  }

  protected planScan(key: Term, iter: (lk: ir.Local) => void): void {
    const src = this.toLocal(this.ltarget);
    this.planScanWith(src, (lk, lv) => {
      this.planUnifyLocal(this.local(lk), key, () => {
        this.ltarget = this.local(lv);
        iter(lk);
      });
    });
  }

  /** Scans src, planning `body(key, value)` inside the scan block. */
  protected planScanWith(src: ir.Local, body: (lk: ir.Local, lv: ir.Local) => void): void {
    const lk = this.newLocal();
    const lv = this.newLocal();
    const block: ir.Block = { stmts: [] };
    const prev = this.curr;
    this.curr = block;
    body(lk, lv);
    this.curr = prev;
    this.emit({ type: 'ScanStmt', source: src, key: lk, value: lv, block });
  }

  protected planScanValuesOf(coll: ir.Local, value: Term, iter: Iter): void {
    this.planScanWith(coll, (_lk, lv) => this.planUnifyLocal(this.local(lv), value, iter));
  }

  /**
   * The virtual document model: a ref into data walks the rule tree while its keys are
   * constant; rules found on the way are called, subtrees are materialised (merged with the
   * base document), and variable keys enumerate both rule children and base keys.
   */
  protected planRefData(node: RuleNode | undefined, base: { local: ir.Local; path: Term[] }, ref: Term[], i: number, iter: Iter): void {
    if (!node) {
      this.ltarget = this.local(base.local);
      return this.planRefRec([...base.path, ...ref.slice(i)], 0, iter, true);
    }
    if (i >= ref.length) return this.planRefDataExtent(node, base, iter);
    const key = ref[i];
    if (!key) return iter();
    if (key.value.type === 'string' || (this.isGround(key) && key.value.type !== 'ref' && key.value.type !== 'call')) {
      const child = key.value.type === 'string' ? node.child(key.value.value) : undefined;
      if (child && child.rules.length > 0) {
        if (child.isFunction()) return this.emitFalse(iter);
        const fname = this.planRules(child);
        const l = this.newLocal();
        this.emit({ type: 'CallStmt', func: fname, args: [this.local(INPUT), this.local(DATA)], result: l });
        this.ltarget = this.local(l);
        return this.planRefRec(ref, i + 1, iter);
      }
      return this.planRefData(child, { local: base.local, path: [...base.path, key] }, ref, i + 1, iter);
    }

    const children = node.visibleChildren().filter(([, c]) => !c.outsideDocument());
    if (children.length === 0) {
      this.ltarget = this.local(base.local);
      return this.planRefRec([...base.path, ...ref.slice(i)], 0, iter, true);
    }
    // Rule children, one block each (the key unifies with the child's name).
    const stmt: ir.Stmt & { type: 'BlockStmt' } = { type: 'BlockStmt', blocks: [] };
    for (const [name] of children) {
      const block: ir.Block = { stmts: [] };
      const prev = this.curr;
      this.curr = block;
      this.vars.push();
      const keyTerm: Term = { value: { type: 'string', value: name }, location: key.location };
      this.planUnifyLocal(this.str(name), key, () => {
        const cpy = [...ref];
        cpy[i] = keyTerm;
        this.planRefData(node, base, cpy, i, iter);
      });
      this.vars.pop();
      this.curr = prev;
      stmt.blocks.push(block);
    }
    this.emit(stmt);
    // Base document keys not shadowed by a rule child.
    const lexclude = this.newLocal();
    this.emit({ type: 'MakeSetStmt', target: lexclude });
    for (const [name] of children) this.emit({ type: 'SetAddStmt', value: this.str(name), set: lexclude });
    this.ltarget = this.local(base.local);
    this.planRefRec(base.path, 0, () => {
      this.planScan(key, (lkey) => {
        const src = this.toLocal(this.ltarget);
        const lign = this.newLocal();
        this.emit({ type: 'NotStmt', block: this.blockWith({ type: 'DotStmt', source: this.local(lexclude), key: this.local(lkey), target: lign }) });
        this.planRefData(undefined, { local: src, path: [] }, ref, i + 1, iter);
      });
    });
  }

  protected planRefDataExtent(node: RuleNode, base: { local: ir.Local; path: Term[] } | null, iter: Iter): void {
    const vtarget = this.newLocal();
    this.emit({ type: 'MakeObjectStmt', target: vtarget });
    for (const [name, child] of node.visibleChildren()) {
      if (child.outsideDocument()) continue;
      if (child.rules.length === 0) {
        this.planRefDataExtent(child, null, () => {
          this.emit({ type: 'ObjectInsertStmt', key: this.str(name), value: this.ltarget, object: vtarget });
        });
        continue;
      }
      const fname = this.planRules(child);
      const lv = this.newLocal();
      this.emit({
        type: 'BlockStmt',
        blocks: [
          {
            stmts: [
              this.located({ type: 'CallStmt', func: fname, args: [this.local(INPUT), this.local(DATA)], result: lv }),
              this.located({ type: 'ObjectInsertStmt', key: this.str(name), value: this.local(lv), object: vtarget }),
            ],
          },
        ],
      });
    }
    if (!base) {
      this.ltarget = this.local(vtarget);
      return iter();
    }
    // Merge with the base document at the same path when it exists.
    const target = this.newLocal();
    const prev = this.curr;
    const inner: ir.Block = { stmts: [] };
    this.curr = inner;
    this.ltarget = this.local(base.local);
    this.planRefRec(
      base.path,
      0,
      () => {
        const lb = this.toLocal(this.ltarget);
        this.emit({ type: 'ObjectMergeStmt', a: lb, b: vtarget, target });
        this.emit({ type: 'BreakStmt', index: 1 });
      },
      true,
    );
    const outer: ir.Block = { stmts: [] };
    this.curr = outer;
    this.emit({ type: 'BlockStmt', blocks: [inner] });
    this.emit({ type: 'AssignVarStmt', source: this.local(vtarget), target });
    this.curr = prev;
    this.emit({ type: 'BlockStmt', blocks: [outer] });
    this.ltarget = this.local(target);
    iter();
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  protected planTermSlice(terms: Term[], i: number, acc: ir.Operand[], iter: (vals: ir.Operand[]) => void): void {
    const t = terms[i];
    if (!t) return iter(acc);
    this.planTerm(t, () => this.planTermSlice(terms, i + 1, [...acc, this.ltarget], iter));
  }

  /**
   * Plans call arguments, those that bind variables (refs iterating with unbound keys) first,
   * so `x == input.xs[x]` binds x before it is read; values come back in argument order.
   */
  protected planTermsBindingFirst(terms: Term[], iter: (vals: ir.Operand[]) => void): void {
    const order = terms.map((t, i) => ({ t, i }));
    const binding = order.filter(({ t }) => !this.isKnown(t) && t.value.type === 'ref');
    if (binding.length === 0) return this.planTermSlice(terms, 0, [], iter);
    const rest = order.filter((x) => !binding.includes(x));
    const sorted = [...binding, ...rest];
    this.planTermSlice(sorted.map((x) => x.t), 0, [], (vals) => {
      const out: ir.Operand[] = new Array<ir.Operand>(terms.length);
      sorted.forEach((x, j) => {
        const v = vals[j];
        if (v) out[x.i] = v;
      });
      iter(out);
    });
  }
}
