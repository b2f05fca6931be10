import type { Schemas } from '@billing/client/gateway-client';

/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The statement as CSV: one line per posting, amounts exactly as the gateway sent them. */
export function statementCsv(statement: Schemas['Statement']): string {
  const header = [
    'posted_at',
    'transaction_id',
    'transaction_type',
    'step',
    'side',
    'amount',
    'balance_after',
    'currency',
  ];
  const lines = statement.lines.map((l) =>
    [
      l.postedAt,
      l.transactionId,
      l.transactionType,
      l.step,
      l.side,
      l.amount,
      l.balanceAfter,
      statement.currency,
    ]
      .map(field)
      .join(','),
  );
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
