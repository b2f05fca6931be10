import type { Actor } from '@billing/contracts/envelope';
import {
  createParamDecorator,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../http/problem';
import { presentedKey, type KeyRing } from './api-keys';

export const KEY_RING = Symbol('KEY_RING');

type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

/** Every /api route needs a valid key; health and docs stay open for probes and people. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(KEY_RING) private readonly keys: KeyRing) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.url.startsWith('/api/v1/')) return true;
    const key = presentedKey(request.headers);
    if (key === null)
      throw new ProblemError(
        401,
        'AUTH.UNAUTHENTICATED',
        'send an API key in X-API-Key or Authorization: Bearer',
        [],
        { 'www-authenticate': 'Bearer' },
      );
    const actor = this.keys.authenticate(key);
    if (actor === null)
      throw new ProblemError(401, 'AUTH.UNAUTHENTICATED', 'the API key is not valid', [], {
        'www-authenticate': 'Bearer',
      });
    request.actor = actor;
    return true;
  }
}

/** The authenticated caller of the current request. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new ProblemError(401, 'AUTH.UNAUTHENTICATED', 'not authenticated');
  return actor;
});
