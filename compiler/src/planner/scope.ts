// Variables in scope while a body is planned (OPA's varstack). Frames are pushed for closures
// (comprehensions, `not`, `every` bodies) so their bindings do not leak out. A name declared with
// `some x` / `x :=` but not yet bound is recorded as null: it shadows outer bindings.

import type { Local } from '../ir/types.ts';

export class Scope {
  private readonly frames: Map<string, Local | null>[] = [new Map()];

  push(): void {
    this.frames.push(new Map());
  }

  pop(): void {
    this.frames.pop();
  }

  /** The local bound to name; undefined if unbound (or declared but not yet bound). */
  get(name: string): Local | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i];
      if (f?.has(name)) return f.get(name) ?? undefined;
    }
    return undefined;
  }

  /** True if the name is bound or declared in some frame (so it is not a global reference). */
  knows(name: string): boolean {
    return this.frames.some((f) => f.has(name));
  }

  put(name: string, local: Local): void {
    this.frames[this.frames.length - 1]?.set(name, local);
  }

  declare(name: string): void {
    this.frames[this.frames.length - 1]?.set(name, null);
  }
}
