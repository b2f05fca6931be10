import { createMessage } from '@billing/contracts/catalog';
import { SYSTEM_ACTOR } from '@billing/contracts/envelope';
import { OpenAccount } from '@billing/contracts/messages/accounts';
import { topicName } from '@billing/contracts/topics';
import { settlementAccountId } from '@billing/contracts/uuid';
import { appendToOutbox } from '@billing/platform/outbox';
import type { SagaDeps } from './saga/apply-decision';

/**
 * Asks the ledger to open every bill provider's settlement account (EXTERNAL, one per currency) at
 * start-up. The ids are derived from provider and currency, so this is idempotent: the ledger answers
 * an account that exists with its original AccountOpened.
 */
export async function openSettlementAccounts(
  deps: SagaDeps,
  providers: readonly string[],
  currencies: readonly string[],
): Promise<void> {
  const nowMs = deps.nowMs();
  const messages = providers.flatMap((provider) =>
    currencies.map((currency) => {
      const accountId = settlementAccountId(provider, currency);
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
            metadata: { role: 'bill-settlement' },
          },
          { actor: SYSTEM_ACTOR, hlc: deps.hlc.now(), causedBy: null, nowMs },
        ),
      };
    }),
  );
  await deps.knex.transaction((trx) => appendToOutbox(trx, messages));
}
