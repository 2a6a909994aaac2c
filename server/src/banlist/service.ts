// The fleet's ban list as the server keeps it: each rule is a versioned entry (who/when/why), the
// list's own settings are the entry '@list', exceptions kept in the file are '@exception:<id>'
// entries, and approved exception requests are added when the document is assembled. Rule ids
// cannot start with '@' (wire/src/banlist.ts), so the three never collide.
import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import { BANLIST_SCHEMA, banListProblems, BanList, BanRule, PolicyException } from '../../../wire/src/banlist.ts';
import { utcTime } from '../../../wire/src/utc-time.ts';
import { check } from '../../../wire/src/validate.ts';
import type { BanChange, BanEntryRecord, Repository } from '../store/types.ts';

export const LIST_META_ID = '@list';
const EXC_PREFIX = '@exception:';

export type ListMeta = Pick<BanList, 'name' | 'mode' | 'default_action' | 'message' | 'alternative' | 'branding'>;

export const DEFAULT_META: ListMeta = {
  name: 'default',
  mode: 'enforce',
  default_action: 'allow',
  message: 'This AI tool is not approved by your company. Ask IT for the approved alternative.',
  alternative: '',
};

export interface BanlistSnapshot {
  /** The document the bundle's data.json carries. */
  list: BanList;
  /** Changes whenever the document changes: ban-list revision + exception revision. */
  revision: string;
  banRevision: number;
  entries: BanEntryRecord[];
}

export interface BanlistChangeEvent {
  snapshot: BanlistSnapshot;
  by: string;
}

/** What became of the bundle for a changed list (null from changed() when no bundle service runs). */
export type BundleOutcome =
  | { state: 'published'; revision: string; seq: number; etag: string }
  | { state: 'failed'; revision: string; error: string };

/** Thrown by BundlePublisher.check: no bundle can be built from the list (the reason is the message). */
export class BundleBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleBuildError';
  }
}

/**
 * The bundle service as the ban list sees it (server/src/bundle-distribution.ts installs one). A ban
 * change is checked before it is stored and published after, so a list that cannot become a bundle
 * is refused to the caller instead of leaving the fleet silently on the previous bundle.
 */
export interface BundlePublisher {
  /** Builds (and discards) a bundle from `list`; throws BundleBuildError with the reason when it cannot. */
  check(list: BanList): Promise<void>;
  /** Builds, signs, stores and announces the bundle of `snapshot`; a failure is recorded, not thrown. */
  publish(snapshot: BanlistSnapshot, by: string): Promise<BundleOutcome>;
}

function metaOf(list: BanList): ListMeta {
  // The company branding travels with the list's settings to every employee's tray.
  return { name: list.name, mode: list.mode, default_action: list.default_action, message: list.message, alternative: list.alternative, ...(list.branding ? { branding: list.branding } : {}) };
}

/** Entries (id → content) that represent a list file: meta, rules, file exceptions, in order. */
function entriesOf(list: BanList): { id: string; entry: Record<string, unknown> }[] {
  return [
    { id: LIST_META_ID, entry: metaOf(list) as unknown as Record<string, unknown> },
    ...list.rules.map((r) => ({ id: r.id, entry: r as unknown as Record<string, unknown> })),
    ...list.exceptions.map((e) => ({ id: EXC_PREFIX + e.id, entry: e as unknown as Record<string, unknown> })),
  ];
}

/** Problems that make a draft list unusable (schema + duplicate ids), empty when fine. */
export function draftProblems(value: unknown): string[] {
  const issues = check(BanList, value);
  if (issues.length > 0) return issues;
  const list = value as BanList;
  const problems = banListProblems(list);
  const seen = new Set<string>();
  for (const e of list.exceptions) {
    if (seen.has(e.id)) problems.push(`exception id '${e.id}' appears twice`);
    seen.add(e.id);
  }
  return problems;
}

export class BanlistService extends EventEmitter<{ change: [BanlistChangeEvent] }> {
  private publisher: BundlePublisher | null = null;

  constructor(
    private readonly store: Repository,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.setMaxListeners(0);
  }

  async snapshot(): Promise<BanlistSnapshot> {
    const [entries, banRevision, excRevision, approved] = await Promise.all([
      this.store.listBans(),
      this.store.banRevision(),
      this.store.getSetting('exception_revision'),
      this.store.listExceptions({ state: 'approved', limit: 1000 }),
    ]);
    const metaEntry = entries.find((e) => e.id === LIST_META_ID);
    const meta = { ...DEFAULT_META, ...((metaEntry?.entry ?? {}) as Partial<ListMeta>) };
    const rules = entries.filter((e) => !e.id.startsWith('@')).map((e) => e.entry as unknown as BanRule);
    const fileExceptions = entries.filter((e) => e.id.startsWith(EXC_PREFIX)).map((e) => e.entry as unknown as PolicyException);
    const now = this.now();
    const granted: PolicyException[] = approved
      .filter((x) => x.expiresAt !== null && x.expiresAt > now)
      // For the OS account that asked when the device said which (narrower, never wider, than the device).
      .map((x) => ({ id: `x-${x.id}`, tool: x.toolId, device: x.deviceId, ...(x.deviceReportedUser ? { user: x.deviceReportedUser } : {}), expires: utcTime(new Date(x.expiresAt as number)), reason: x.reason }));
    const revision = `${banRevision}.${excRevision ?? '0'}`;
    const list: BanList = { schema: BANLIST_SCHEMA, name: meta.name, revision, mode: meta.mode, default_action: meta.default_action, message: meta.message, alternative: meta.alternative, ...(meta.branding ? { branding: meta.branding } : {}), rules, exceptions: [...fileExceptions, ...granted] };
    return { list, revision, banRevision, entries };
  }

  /** The changes that turn the stored list into `draft` (a full list document). */
  async diff(draft: BanList): Promise<BanChange[]> {
    const current = await this.store.listBans();
    const byId = new Map(current.map((e) => [e.id, e]));
    const wanted = entriesOf(draft);
    const changes: BanChange[] = [];
    wanted.forEach((w, position) => {
      const cur = byId.get(w.id);
      if (!cur) changes.push({ op: 'create', id: w.id, entry: w.entry, why: '', position });
      else if (!isDeepStrictEqual(cur.entry, w.entry) || cur.position !== position) changes.push({ op: 'update', id: w.id, entry: w.entry, why: '', position });
    });
    const keep = new Set(wanted.map((w) => w.id));
    for (const cur of current) if (!keep.has(cur.id)) changes.push({ op: 'delete', id: cur.id, entry: null, why: '' });
    return changes;
  }

  setPublisher(p: BundlePublisher | null): void {
    this.publisher = p;
  }

  /** Throws BundleBuildError when the bundle service cannot build a bundle from `list`. */
  async check(list: BanList): Promise<void> {
    await this.publisher?.check(list);
  }

  /**
   * Emits 'change' with the new document and publishes its bundle; `bundle` says whether that worked
   * (null when no bundle service is installed).
   */
  async changed(by: string): Promise<BanlistSnapshot & { bundle: BundleOutcome | null }> {
    const snapshot = await this.snapshot();
    this.emit('change', { snapshot, by });
    const bundle = this.publisher ? await this.publisher.publish(snapshot, by) : null;
    return { ...snapshot, bundle };
  }
}
