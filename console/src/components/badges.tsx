// Small status marks with text (never colour alone).
import type { Action, Compliance } from '../types.ts';

export function ComplianceBadge({ c }: { c: Compliance }) {
  const text = c === 'compliant' ? 'compliant' : c === 'noncompliant' ? 'banned tool present' : 'not reported';
  return <span class={`badge c-${c}`}>{text}</span>;
}

export function ActionBadge({ a }: { a: Action | null | undefined }) {
  if (!a) return <span class="muted">—</span>;
  return <span class={`badge a-${a}`}>{a}</span>;
}

export function BundleBadge({ current, revision }: { current: boolean; revision: string | null }) {
  return (
    <span class={`badge ${current ? 'b-current' : 'b-behind'}`} title={current ? 'applied the bundle being served' : 'has not applied the bundle being served yet'}>
      {revision ?? 'none'} {current ? '(current)' : '(behind)'}
    </span>
  );
}
