/**
 * Whether the ledger answers a read side's request to publish part of an account stream again. Pure.
 *
 * Answering costs a read of the event store and a publish per event, and a read side that keeps
 * asking (several replicas, a gap that takes a while to close) must not turn that into a flood: a
 * range the ledger republished moments ago is not republished again, and one batch of requests
 * republishes a bounded number of events; whatever is left over is asked for again by the read side,
 * which re-sends requests while its gap stays open.
 */
export interface RepublishRequest {
  accountId: string;
  fromVersion: number;
  toVersion: number;
}

export interface RecentRepublish {
  fromVersion: number;
  toVersion: number;
  republishedAtMs: number;
}

export interface RepublishLimits {
  /** A range covered by a republish younger than this is not republished again. */
  minIntervalMs: number;
}

export type RepublishDecision =
  { kind: 'republish'; fromVersion: number; toVersion: number } | { kind: 'ignore'; reason: string };

export function decideRepublish(
  request: RepublishRequest,
  recent: RecentRepublish | null,
  nowMs: number,
  budgetLeft: number,
  limits: RepublishLimits,
): RepublishDecision {
  if (
    recent &&
    nowMs - recent.republishedAtMs < limits.minIntervalMs &&
    recent.fromVersion <= request.fromVersion &&
    recent.toVersion >= request.toVersion
  ) {
    const agoMs = nowMs - recent.republishedAtMs;
    return {
      kind: 'ignore',
      reason: `versions ${recent.fromVersion}..${recent.toVersion} republished ${agoMs} ms ago`,
    };
  }
  if (budgetLeft <= 0) return { kind: 'ignore', reason: 'this batch republished as many events as it may' };
  return {
    kind: 'republish',
    fromVersion: request.fromVersion,
    toVersion: Math.min(request.toVersion, request.fromVersion + budgetLeft - 1),
  };
}
