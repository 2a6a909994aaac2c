// warden's own notice shim (left where a quarantined command was) is not an install of the tool:
// a hit whose file is that shim is dropped, so a quarantined tool stops being reported. Only small
// regular files are looked at, and only their first bytes until the marker is seen; never executed.
import { SHIM_MARKER, SHIM_MAX_BYTES, isNoticeShimText } from '../../../wire/src/shim-marker.ts';
import type { Hit } from './hit.ts';
import type { ScanFs } from './scanfs.ts';

/** The marker sits on the shim's second line, well inside this prefix. */
const HEAD_BYTES = 256;

export function isNoticeShim(fs: ScanFs, path: string): boolean {
  let file = path;
  let st = fs.lstat(path);
  if (st?.isSymbolicLink()) {
    // another command linking to a shim (e.g. a second PATH entry) is the shim too
    const r = fs.resolveLink(path);
    if (!r || r.dangling) return false;
    file = r.target;
    st = fs.lstat(file);
  }
  if (!st?.isFile() || st.size > SHIM_MAX_BYTES) return false;
  const head = fs.readHead(file, HEAD_BYTES);
  if (!head?.toString('latin1').includes(SHIM_MARKER)) return false;
  const all = fs.readHead(file, SHIM_MAX_BYTES);
  return all !== null && isNoticeShimText(all.toString('utf8'));
}

/** Hits minus those on a notice shim (processes are matched by their path, not a file here: kept). */
export function withoutNoticeShims(fs: ScanFs, hits: Hit[]): Hit[] {
  const memo = new Map<string, boolean>();
  return hits.filter((h) => {
    if (h.signal === 'process') return true;
    let shim = memo.get(h.path);
    if (shim === undefined) memo.set(h.path, (shim = isNoticeShim(fs, h.path)));
    return !shim;
  });
}
