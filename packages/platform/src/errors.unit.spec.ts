import { describe, expect, it } from 'vitest';
import { isLostGroupMembership, isRecordRefusal, isTransient } from './errors';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('transient or poison, by cause', () => {
  it.each([
    ['57014', 'statement timeout'],
    ['53300', 'too many connections'],
    ['53200', 'out of memory'],
    ['55P03', 'lock not available'],
    ['57P01', 'admin shutdown'],
    ['57P02', 'crash shutdown'],
    ['57P03', 'cannot connect now'],
    ['08003', 'connection does not exist'],
    ['08P01', 'protocol violation'],
    ['08006', 'connection failure'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
  ])('waits out SQLSTATE %s (%s)', (code) => {
    expect(isTransient(pgError(code))).toBe(true);
  });

  it.each([
    ['23505', 'unique violation'],
    ['23514', 'check violation'],
    ['22P02', 'invalid text representation'],
    ['P0001', 'raised by a trigger (an unbalanced entry)'],
    ['42P01', 'undefined table'],
  ])('judges SQLSTATE %s (%s) by the message', (code) => {
    expect(isTransient(pgError(code))).toBe(false);
  });

  it('waits out lost connections, pool time-outs and retriable broker errors, also when wrapped', () => {
    expect(isTransient(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'))).toBe(
      true,
    );
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient({ name: 'KafkaJSProtocolError', retriable: true, message: 'leader moved' })).toBe(
      true,
    );
    expect(isTransient(new Error('outer', { cause: pgError('57014') }))).toBe(true);
  });

  it('does not wait out a plain bug', () => {
    expect(isTransient(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isTransient({ name: 'KafkaJSProtocolError', retriable: false, type: 'MESSAGE_TOO_LARGE' })).toBe(
      false,
    );
    expect(isTransient(null)).toBe(false);
  });

  it("recognises a broker's refusal of one record for its own reason", () => {
    expect(isRecordRefusal({ name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' })).toBe(true);
    expect(isRecordRefusal({ name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED' })).toBe(false);
    expect(isRecordRefusal({ name: 'KafkaJSNonRetriableError', cause: { type: 'INVALID_RECORD' } })).toBe(
      true,
    );
  });
});

describe('lost group membership', () => {
  // As kafkajs throws it from commitOffsets: a non-retriable error whose cause is the protocol error.
  const wrapped = (type: string) =>
    Object.assign(new Error('The coordinator is not aware of this member'), {
      name: 'KafkaJSNonRetriableError',
      cause: Object.assign(new Error('The coordinator is not aware of this member'), {
        name: 'KafkaJSProtocolError',
        type,
      }),
    });

  it.each(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR'])(
    'given a commit refused with %s, then the consumer lost its membership',
    (type) => {
      expect(isLostGroupMembership(wrapped(type))).toBe(true);
    },
  );

  it('given any other broker error, then it is not a lost membership', () => {
    expect(isLostGroupMembership(wrapped('MESSAGE_TOO_LARGE'))).toBe(false);
    expect(isLostGroupMembership(new Error('boom'))).toBe(false);
    expect(isLostGroupMembership(null)).toBe(false);
  });
});
