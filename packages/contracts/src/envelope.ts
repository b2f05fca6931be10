import { z } from 'zod';
import { HlcSchema } from './hlc';
import { UuidSchema } from './uuid';

/** Who asked. Commands carry it so the ledger and the saga check ownership where the data lives. */
export const ActorSchema = z.strictObject({
  kind: z.enum(['admin', 'owner', 'system']),
  id: z.string().min(1).max(128),
});
export type Actor = z.infer<typeof ActorSchema>;

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'billing-platform' };

export const envelopeFields = {
  messageId: UuidSchema,
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  hlc: HlcSchema,
  correlationId: UuidSchema,
  causationId: UuidSchema.nullable(),
  actor: ActorSchema,
};

/** The shape shared by every message, before its `type` says what `data` holds. */
export const EnvelopeHeaderSchema = z.object({
  ...envelopeFields,
  type: z.string().min(1),
  data: z.unknown(),
});
export type EnvelopeHeader = z.infer<typeof EnvelopeHeaderSchema>;

export interface MessageDefinition<TType extends string, TData extends z.ZodType> {
  type: TType;
  version: number;
  data: TData;
  schema: z.ZodObject<
    Omit<typeof envelopeFields, 'version'> & {
      type: z.ZodLiteral<TType>;
      version: z.ZodLiteral<number>;
      data: TData;
    }
  >;
}

/** Declares one message type: its name, its schema version and the schema of its data. */
export function defineMessage<TType extends string, TData extends z.ZodType>(
  type: TType,
  version: number,
  data: TData,
): MessageDefinition<TType, TData> {
  return {
    type,
    version,
    data,
    // The version is part of the contract: a consumer refuses a version it was not written for.
    schema: z.strictObject({ ...envelopeFields, type: z.literal(type), version: z.literal(version), data }),
  };
}

export type MessageOf<D> = D extends MessageDefinition<infer T, infer S> ? Envelope<T, z.infer<S>> : never;

export interface Envelope<TType extends string = string, TData = unknown> {
  messageId: string;
  type: TType;
  version: number;
  occurredAt: string;
  hlc: string;
  correlationId: string;
  causationId: string | null;
  actor: Actor;
  data: TData;
}
