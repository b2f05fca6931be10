/**
 * Sorting failures by cause. A transient failure (the database restarting, a lost connection, a
 * statement timeout, a lock or a serialisation conflict, a broker leader moving) says nothing about the
 * message: it is waited out, and the message is applied later, never dead-lettered. Anything else is
 * judged by the message: a handler that keeps failing on it alone has found a poison message.
 */

/**
 * SQLSTATE classes and codes that are about the server's condition, not the statement's content:
 * 08 connection exceptions, 40 transaction rollbacks (serialisation failures, deadlocks), 53
 * insufficient resources (too many connections, out of memory, disk full), 57 operator intervention
 * (statement timeout 57014, shutdowns 57P01-57P03), 58 system errors (I/O), and 55P03 lock not available.
 */
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '40', '53', '57', '58']);
const TRANSIENT_SQLSTATES = new Set(['55P03', '55006']);

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

const TRANSIENT_MESSAGES =
  /Timeout acquiring a connection|Connection terminated|connection error|Client was closed|Knex: Timeout|read ECONNRESET/i;

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  retriable?: unknown;
  message?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/** True when the error (or what caused it) is about the infrastructure's condition, not the message. */
export function isTransient(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as ErrorLike & { transient?: unknown };
  // An error that says so itself: a condition to wait out (e.g. a read model whose stored position
  // belongs to another log), never a reason to dead-letter the message.
  if (e.transient === true) return true;
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2)) || TRANSIENT_SQLSTATES.has(code)) return true;
  }
  if (TRANSIENT_NODE_CODES.has(code)) return true;
  // kafkajs marks the broker errors worth retrying (leader moved, not enough replicas, timeouts).
  if (typeof e.name === 'string' && e.name.startsWith('KafkaJS') && e.retriable === true) return true;
  if (
    typeof e.name === 'string' &&
    /KafkaJS(Connection|RequestTimeout|NumberOfRetriesExceeded)Error/.test(e.name)
  )
    return true;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGES.test(e.message)) return true;
  return isTransient(e.cause, depth + 1) || isTransient(e.originalError, depth + 1);
}

/**
 * Broker refusals of one record for the record's own reason: sending it again can never succeed, so the
 * outbox dead-letters that row (and only that row) instead of retrying it forever.
 */
const RECORD_REFUSALS = new Set([
  'MESSAGE_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'RECORD_LIST_TOO_LARGE',
]);

export function isRecordRefusal(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as ErrorLike & { type?: unknown };
  if (typeof e.type === 'string' && RECORD_REFUSALS.has(e.type)) return true;
  return isRecordRefusal(e.cause, depth + 1) || isRecordRefusal(e.originalError, depth + 1);
}

/**
 * Broker answers that mean this consumer is no longer (or not yet again) a member of its group's current
 * generation: it missed a rebalance, e.g. because it was paused past its session timeout. An offset
 * commit refused for that reason loses nothing (the batch is committed in the database, and its
 * redelivery is absorbed by the inbox or the stored positions); the consumer only has to rejoin.
 */
const MEMBERSHIP_ERRORS = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'FENCED_INSTANCE_ID',
  'NOT_COORDINATOR',
  'COORDINATOR_NOT_AVAILABLE',
]);

export function isLostGroupMembership(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown };
  if (typeof e.type === 'string' && MEMBERSHIP_ERRORS.has(e.type)) return true;
  return isLostGroupMembership(e.cause, depth + 1) || isLostGroupMembership(e.originalError, depth + 1);
}
