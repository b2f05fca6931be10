import type { Actor } from '@billing/contracts/envelope';
import type {
  AccountView,
  QueryReply,
  QueryRequest,
  TransactionView,
} from '@billing/contracts/messages/queries';
import { QueryRequestSchema, QueryReplySchemas } from '@billing/contracts/messages/queries';
import { formatDecimal } from '@billing/contracts/money';
import type { Knex } from '@billing/platform/db';

interface AccountRow {
  id: string;
  owner_id: string;
  owner_type: string;
  type: AccountView['type'];
  currency: string;
  scale: number;
  status: AccountView['status'];
  balance: string;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

interface TransactionRow {
  transaction_id: string;
  type: TransactionView['type'];
  status: TransactionView['status'];
  amount: string;
  currency: string;
  source_account_id: string;
  destination_account_id: string;
  idempotency_key: string;
  reason: TransactionView['reason'];
  created_at: Date;
  updated_at: Date;
}

type AnyReply = QueryReply<QueryRequest['type']>;

const notFound = (what: string): AnyReply => ({
  ok: false,
  code: what === 'account' ? 'ACCOUNT.NOT_FOUND' : 'TRANSACTION.NOT_FOUND',
  detail: `${what} not found`,
});

/** An owner sees only its own accounts; anything else reads as not found, so ids leak nothing. */
function visibleTo(actor: Actor, ownerIds: readonly string[]): boolean {
  return actor.kind !== 'owner' || ownerIds.includes(actor.id);
}

function toAccountView(row: AccountRow): AccountView {
  return {
    id: row.id,
    ownerId: row.owner_id,
    ownerType: row.owner_type,
    type: row.type,
    currency: row.currency,
    status: row.status,
    balance: formatDecimal(row.balance, row.scale),
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * Answers one query from the read models. The request is parsed here, at the edge of this service, and
 * the reply is parsed against its contract before it leaves.
 */
export async function answerQuery(knex: Knex, raw: unknown): Promise<AnyReply> {
  const parsed = QueryRequestSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, code: 'REQUEST.INVALID', detail: parsed.error.message.slice(0, 500) };
  const query = parsed.data;
  const reply = await answer(knex, query);
  return QueryReplySchemas[query.type].parse(reply) as AnyReply;
}

async function answer(knex: Knex, query: QueryRequest): Promise<AnyReply> {
  switch (query.type) {
    case 'GetAccount':
    case 'GetAccountBalance': {
      const row = await knex('account_views').where({ id: query.accountId }).first<AccountRow | undefined>();
      if (!row || !visibleTo(query.actor, [row.owner_id])) return notFound('account');
      const view = toAccountView(row);
      if (query.type === 'GetAccount') return { ok: true, data: view };
      return {
        ok: true,
        data: { accountId: view.id, balance: view.balance, currency: view.currency, status: view.status },
      };
    }
    case 'GetTransaction': {
      const row = await knex('transaction_views')
        .where({ transaction_id: query.transactionId })
        .first<TransactionRow | undefined>();
      if (!row) return notFound('transaction');
      const owners: { owner_id: string }[] = await knex('account_views')
        .whereIn('id', [row.source_account_id, row.destination_account_id])
        .select('owner_id');
      if (
        !visibleTo(
          query.actor,
          owners.map((o) => o.owner_id),
        )
      )
        return notFound('transaction');
      return {
        ok: true,
        data: {
          transactionId: row.transaction_id,
          type: row.type,
          status: row.status,
          amount: row.amount,
          currency: row.currency,
          sourceAccountId: row.source_account_id,
          destinationAccountId: row.destination_account_id,
          idempotencyKey: row.idempotency_key,
          reason: row.reason,
          originalTransactionId: null,
          details: {},
          createdAt: row.created_at.toISOString(),
          updatedAt: row.updated_at.toISOString(),
        },
      };
    }
    default: {
      const unreachable: never = query;
      throw new Error(`unknown query ${JSON.stringify(unreachable)}`);
    }
  }
}
