/**
 * The topic registry: the one place that says which topics exist, how many partitions they have, what
 * their key is, who writes them and who reads them, and which message types they carry. Provisioning
 * creates topics from it and the contract tests check producers and consumers against it.
 */

export type ServiceName = 'command-gateway' | 'account-ledger' | 'saga-orchestrator' | 'projection-query';

export interface TopicDefinition {
  name: string;
  partitions: number;
  key: string;
  producers: readonly ServiceName[];
  consumers: readonly ServiceName[];
  messageTypes: readonly string[];
  /** Topic-level configuration set explicitly at creation instead of trusting broker defaults. */
  config: Readonly<Record<string, string>>;
}

const RETAIN_FOREVER = { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' };
const RETAIN_WEEK = { 'cleanup.policy': 'delete', 'retention.ms': String(7 * 24 * 3600 * 1000) };
const RETAIN_HOUR = { 'cleanup.policy': 'delete', 'retention.ms': String(3600 * 1000) };

export const TOPICS = {
  accountCommands: {
    name: 'billing.account.commands',
    partitions: 6,
    key: 'accountId (currency code for AddCurrency)',
    producers: ['command-gateway', 'saga-orchestrator'],
    consumers: ['account-ledger'],
    messageTypes: ['OpenAccount', 'ChangeAccountStatus', 'SetAccountLimits', 'AddCurrency'],
    config: RETAIN_WEEK,
  },
  transactionCommands: {
    name: 'billing.transaction.commands',
    partitions: 6,
    key: 'transactionId',
    producers: ['command-gateway'],
    consumers: ['saga-orchestrator'],
    messageTypes: [
      'RequestTopUp',
      'RequestWithdrawal',
      'RequestTransfer',
      'RequestPayment',
      'RequestRefund',
      'RequestBillPayment',
      'RetryTransactionStep',
      'FlagTransactionForInvestigation',
      'ClearTransactionInvestigation',
    ],
    config: RETAIN_WEEK,
  },
  ledgerCommands: {
    name: 'billing.ledger.commands',
    partitions: 6,
    key: 'accountId of the debited account',
    producers: ['saga-orchestrator'],
    consumers: ['account-ledger'],
    messageTypes: ['PostEntry', 'PlaceHold', 'CaptureHold', 'ReleaseHold', 'ReverseEntry'],
    config: RETAIN_WEEK,
  },
  ledgerEvents: {
    name: 'billing.ledger.events',
    partitions: 6,
    key: 'accountId (of the debited account for entries)',
    producers: ['account-ledger'],
    consumers: ['saga-orchestrator', 'projection-query', 'command-gateway'],
    messageTypes: [
      'AccountOpened',
      'AccountStatusChanged',
      'AccountLimitsChanged',
      'CurrencyAdded',
      'EntryPosted',
      'HoldPlaced',
      'HoldCaptured',
      'HoldReleased',
      'CommandRejected',
    ],
    config: RETAIN_FOREVER,
  },
  transactionEvents: {
    name: 'billing.transaction.events',
    partitions: 6,
    key: 'transactionId',
    producers: ['saga-orchestrator'],
    consumers: ['projection-query', 'command-gateway'],
    messageTypes: [
      'TransactionAccepted',
      'TransactionCompleted',
      'TransactionFailed',
      'TransactionReversed',
      'TransactionNeedsAttention',
      'TransactionRequestRejected',
      'TransactionRequestReplayed',
      'TransactionProviderStepRecorded',
      'TransactionStepRetried',
      'TransactionInvestigationFlagged',
      'TransactionInvestigationCleared',
      'TransactionActionRefused',
      'TransactionActionReplayed',
    ],
    config: RETAIN_FOREVER,
  },
  ledgerRepairs: {
    // The read side asks the ledger to publish again events of an account stream it never received.
    // Requests are re-sent while a gap stays open, so an hour is plenty.
    name: 'billing.ledger.repairs',
    partitions: 3,
    key: 'accountId',
    producers: ['projection-query'],
    consumers: ['account-ledger'],
    messageTypes: ['RepublishAccountEvents'],
    config: RETAIN_HOUR,
  },
  queries: {
    name: 'billing.queries',
    partitions: 3,
    key: 'none (request-reply)',
    producers: ['command-gateway'],
    consumers: ['projection-query'],
    messageTypes: [
      'GetAccount',
      'GetAccountBalance',
      'GetTransaction',
      'ListAccounts',
      'ListAccountTransactions',
      'GetStatement',
      'GetTrialBalance',
      'ListStuckTransactions',
      'ListCurrencies',
      'ListTransactionsNeedingAttention',
      'GetTransactionActivity',
      'GetTransactionTimeline',
    ],
    config: RETAIN_HOUR,
  },
  queryReplies: {
    // Nest's Kafka request-reply answers on "<pattern>.reply"; each gateway replica needs one partition.
    name: 'billing.queries.reply',
    partitions: 6,
    key: 'none (reply partition chosen by the requester)',
    producers: ['projection-query'],
    consumers: ['command-gateway'],
    messageTypes: ['QueryReply'],
    config: RETAIN_HOUR,
  },
  deadLetter: {
    name: 'billing.dead-letter',
    partitions: 3,
    key: 'the original message key',
    producers: ['command-gateway', 'account-ledger', 'saga-orchestrator', 'projection-query'],
    // The read side folds it into the dead letters the console lists.
    consumers: ['projection-query'],
    messageTypes: [],
    config: RETAIN_FOREVER,
  },
  deadLetterReplays: {
    // An operator's request to replay one dead letter; the service named in it answers, the read side
    // records that it was asked. Only the gateway asks, so no service can make another one replay.
    name: 'billing.dead-letter.replays',
    partitions: 3,
    key: 'the dead letter id (<partition>:<offset>)',
    producers: ['command-gateway'],
    consumers: ['account-ledger', 'saga-orchestrator', 'projection-query'],
    messageTypes: ['ReplayDeadLetter'],
    config: RETAIN_WEEK,
  },
  deadLetterReplayOutcomes: {
    name: 'billing.dead-letter.replay-outcomes',
    partitions: 3,
    key: 'the dead letter id (<partition>:<offset>)',
    producers: ['account-ledger', 'saga-orchestrator'],
    consumers: ['projection-query'],
    messageTypes: ['DeadLetterReplayed'],
    config: RETAIN_WEEK,
  },
} as const satisfies Record<string, TopicDefinition>;

export type TopicId = keyof typeof TOPICS;

/**
 * Topic names are prefixed per deployment (an empty prefix in production). Tests give every run its own
 * prefix so that concurrent runs on one broker never read each other's messages.
 */
export function topicName(id: TopicId, prefix: string): string {
  return `${prefix}${TOPICS[id].name}`;
}
