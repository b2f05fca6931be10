import { createMessage } from '@billing/contracts/catalog';
import { SYSTEM_ACTOR } from '@billing/contracts/envelope';
import { OpenAccount } from '@billing/contracts/messages/accounts';
import { FUNDING_ROLE } from '@billing/contracts/policy';
import { topicName } from '@billing/contracts/topics';
import { fundingAccountId, settlementAccountId } from '@billing/contracts/uuid';
import { appendToOutbox } from '@billing/platform/outbox';
import type { SagaDeps } from './saga/apply-decision';

/**
 * Asks the ledger to open the providers' EXTERNAL accounts at start-up, one per currency: each bill
 * provider's settlement account (bills are captured into it) and the funding provider's account (owners'
 * top-ups are credited from it once it collected; its `role` metadata is what lets the ledger accept an
 * owner's top-up from it and from no other EXTERNAL account). The ids are derived from provider and
 * currency, so this is idempotent: the ledger answers an account that exists with its original event.
 */
export async function openProviderAccounts(
  deps: SagaDeps,
  billProviders: readonly string[],
  fundingProvider: string,
  currencies: readonly string[],
): Promise<void> {
  const nowMs = deps.nowMs();
  const wanted = [
    ...billProviders.map((p) => ({ provider: p, role: 'bill-settlement', id: settlementAccountId })),
    { provider: fundingProvider, role: FUNDING_ROLE, id: fundingAccountId },
  ];
  const messages = wanted.flatMap(({ provider, role, id }) =>
    currencies.map((currency) => {
      const accountId = id(provider, currency);
      return {
        topic: topicName('accountCommands', deps.topicPrefix),
        key: accountId,
        envelope: createMessage(
          OpenAccount,
          {
            accountId,
            ownerId: provider.toLowerCase(),
            ownerType: 'provider',
            type: 'EXTERNAL',
            currency,
            metadata: { role },
          },
          { actor: SYSTEM_ACTOR, hlc: deps.hlc.now(), causedBy: null, nowMs },
        ),
      };
    }),
  );
  await deps.knex.transaction((trx) => appendToOutbox(trx, messages));
}
