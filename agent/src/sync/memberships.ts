// The groups this device and its people are in, for the policy input (device.groups, users[u].groups).
// Each cycle, after the scan, the agent asks the server for the memberships of the OS accounts it
// found, with a fresh nonce; the answer counts only if it verifies against the pinned bundle key, is
// for this device and carries that nonce (wire/src/memberships.ts). The last good answer is kept in
// the state folder and used when the server cannot answer, like the last good bundle.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Inventory } from '../../../wire/src/inventory.ts';
import { verifyMemberships, type MembershipDocument, type MembershipRequest } from '../../../wire/src/memberships.ts';
import { readJsonFile, writeFileAtomic } from './state-files.ts';

export interface DeviceMemberships {
  deviceGroups: string[];
  /** OS login → the user groups of the person behind it. */
  userGroups: Record<string, string[]>;
}

export const NO_MEMBERSHIPS: DeviceMemberships = { deviceGroups: [], userGroups: {} };

/** The OS accounts an inventory names (homes scanned and owners of findings), at most 500. */
export function accountsOf(inv: Inventory): string[] {
  const out = new Set(inv.host.users);
  for (const f of inv.findings) if (f.user !== null) out.add(f.user);
  return [...out].filter((u) => u.length > 0 && u.length <= 256).sort().slice(0, 500);
}

const fromDocument = (d: MembershipDocument): DeviceMemberships => ({ deviceGroups: d.device_groups, userGroups: d.users });

export class MembershipCache {
  private last: DeviceMemberships = NO_MEMBERSHIPS;
  private readonly path: string;

  constructor(
    stateDir: string,
    private readonly publicKeyPem: string,
    private readonly deviceId: string,
  ) {
    this.path = join(stateDir, 'memberships.json');
  }

  current(): DeviceMemberships {
    return this.last;
  }

  /** Loads the stored answer, verified again (an edited file is refused: no groups rather than forged ones). */
  loadLastGood(): string | null {
    try {
      const stored = readJsonFile(this.path);
      if (stored !== undefined) this.last = fromDocument(verifyMemberships(stored, this.publicKeyPem, { deviceId: this.deviceId }));
      return null;
    } catch (e) {
      this.last = NO_MEMBERSHIPS;
      return `stored memberships refused: ${(e as Error).message}`;
    }
  }

  /**
   * Asks the server (ask = the HTTP call) and adopts a verified answer; on any failure keeps the last
   * good memberships and returns the reason.
   */
  async refresh(ask: (req: MembershipRequest) => Promise<unknown>, accounts: string[]): Promise<string | null> {
    const nonce = randomBytes(18).toString('base64url');
    try {
      const answer = await ask({ nonce, users: accounts });
      const doc = verifyMemberships(answer, this.publicKeyPem, { deviceId: this.deviceId, nonce });
      writeFileAtomic(this.path, JSON.stringify(answer));
      this.last = fromDocument(doc);
      return null;
    } catch (e) {
      return `memberships not updated (keeping the last good ones): ${(e as Error).message}`;
    }
  }
}
