/**
 * What the read side does about gaps in account streams that do not close by themselves. Pure.
 *
 * A gap is normal for a moment (an account's events travel on several partitions), so only a gap whose
 * oldest parked item has waited longer than `repairAfterMs` is acted on: the read side asks the ledger
 * to publish the missing versions again. While the gap stays open it asks again with back-off; once
 * the applied version reaches the end of the asked range the repair is healed. A range never names more
 * than `rangeMax` versions: a longer gap is repaired from its lowest version up, a range at a time.
 */
export interface ObservedGap {
  accountId: string;
  /** The version the read model has applied (0: not even opened). */
  appliedVersion: number;
  /** The highest version the parked items need before they can be applied. */
  neededVersion: number;
  parkedSinceMs: number;
}

export interface OpenRepair {
  accountId: string;
  fromVersion: number;
  toVersion: number;
  firstRequestedAtMs: number;
  lastRequestedAtMs: number;
  requests: number;
}

export interface RepairSettings {
  rangeMax: number;
  /** The first re-send waits this long, each further one twice as long as the one before. */
  resendBaseMs: number;
  resendMaxMs: number;
}

export interface RepairPlan {
  /** Requests to send now, with the repair record each leaves behind. */
  send: { repair: OpenRepair; appliedVersion: number; parkedSinceMs: number }[];
  /** Repairs whose range the read model has applied. */
  healed: { repair: OpenRepair; afterMs: number }[];
}

export function planRepairs(
  gaps: readonly ObservedGap[],
  open: readonly OpenRepair[],
  appliedVersions: ReadonlyMap<string, number>,
  nowMs: number,
  settings: RepairSettings,
): RepairPlan {
  const plan: RepairPlan = { send: [], healed: [] };
  const stillOpen = new Map<string, OpenRepair>();
  for (const repair of open) {
    if ((appliedVersions.get(repair.accountId) ?? 0) >= repair.toVersion)
      plan.healed.push({ repair, afterMs: nowMs - repair.firstRequestedAtMs });
    else stillOpen.set(repair.accountId, repair);
  }
  for (const gap of gaps) {
    const fromVersion = gap.appliedVersion + 1;
    if (gap.neededVersion < fromVersion) continue;
    const toVersion = Math.min(gap.neededVersion, fromVersion + settings.rangeMax - 1);
    const previous = stillOpen.get(gap.accountId);
    const moved = previous !== undefined && previous.fromVersion !== fromVersion;
    if (previous && !moved) {
      const waitMs = Math.min(settings.resendMaxMs, settings.resendBaseMs * 2 ** (previous.requests - 1));
      if (nowMs - previous.lastRequestedAtMs < waitMs) continue;
    }
    plan.send.push({
      repair: {
        accountId: gap.accountId,
        fromVersion,
        toVersion,
        firstRequestedAtMs: previous && !moved ? previous.firstRequestedAtMs : nowMs,
        lastRequestedAtMs: nowMs,
        requests: previous && !moved ? previous.requests + 1 : 1,
      },
      appliedVersion: gap.appliedVersion,
      parkedSinceMs: gap.parkedSinceMs,
    });
  }
  return plan;
}
