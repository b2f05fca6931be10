import type { AccountView } from '@billing/contracts/messages/queries';

/** What the gateway's edge checks read of an account: facts fixed when the account was opened. */
export type AccountFacts = Pick<AccountView, 'id' | 'ownerId' | 'type' | 'currency'>;

type Lookup = (accountId: string) => Promise<AccountView | null>;

/**
 * The owner, type and currency of the accounts the edge checks, remembered. They never change once an
 * account is opened (status and limits do, and the edge does not judge those: the ledger does), so a
 * remembered answer is never stale and needs no invalidation. A miss asks the read side once, however
 * many requests ask at the same moment; an account the read side does not know is not remembered, as it
 * may be opened a moment later. Bounded: the least recently used facts are forgotten first.
 */
export class AccountFactsCache {
  private readonly known = new Map<string, AccountFacts>();
  private readonly asking = new Map<string, Promise<AccountFacts | null>>();

  constructor(
    private readonly lookup: Lookup,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.known.size;
  }

  async get(accountId: string): Promise<AccountFacts | null> {
    const hit = this.known.get(accountId);
    if (hit) {
      // Map order is insertion order: re-inserting makes this the most recently used entry.
      this.known.delete(accountId);
      this.known.set(accountId, hit);
      return hit;
    }
    const inFlight = this.asking.get(accountId);
    if (inFlight) return inFlight;
    const asked = this.lookup(accountId)
      .then((view) => {
        if (view === null) return null;
        const facts: AccountFacts = {
          id: view.id,
          ownerId: view.ownerId,
          type: view.type,
          currency: view.currency,
        };
        this.remember(facts);
        return facts;
      })
      .finally(() => this.asking.delete(accountId));
    this.asking.set(accountId, asked);
    return asked;
  }

  private remember(facts: AccountFacts): void {
    if (this.max === 0) return;
    this.known.set(facts.id, facts);
    if (this.known.size > this.max) this.known.delete(this.known.keys().next().value!);
  }
}
