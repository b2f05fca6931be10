import { z } from 'zod';
import { defineMessage, type MessageOf } from '../envelope';
import { UuidSchema } from '../uuid';

/** Most versions one request may name; a longer gap is asked for in several requests, lowest first. */
export const REPUBLISH_RANGE_MAX = 200;

/**
 * Asks the ledger to publish again, from its event store, the events of one account stream with
 * versions `fromVersion..toVersion` (both included). The read side sends it when a gap in the stream
 * has not closed by itself: a later version arrived and an earlier one did not. The ledger answers by
 * publishing those events on the ledger events topic again, under new message ids; consumers already
 * treat a second copy of an event as a duplicate, so a repeated request changes nothing.
 */
export const RepublishAccountEvents = defineMessage(
  'RepublishAccountEvents',
  1,
  z
    .strictObject({
      accountId: UuidSchema,
      fromVersion: z.number().int().positive(),
      toVersion: z.number().int().positive(),
      /** What the requester saw: the version it has applied and the lowest one it holds parked. */
      appliedVersion: z.number().int().nonnegative(),
      parkedSince: z.iso.datetime({ offset: true }),
    })
    .refine((d) => d.toVersion >= d.fromVersion, { message: 'toVersion must not be below fromVersion' })
    .refine((d) => d.toVersion - d.fromVersion < REPUBLISH_RANGE_MAX, {
      message: `a request names at most ${REPUBLISH_RANGE_MAX} versions`,
    }),
);
export type RepublishAccountEventsMessage = MessageOf<typeof RepublishAccountEvents>;
