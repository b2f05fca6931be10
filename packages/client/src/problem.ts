import type { components } from './generated/api.js';

export type ProblemDocument = components['schemas']['Problem'];

/**
 * A refusal of the gateway as an exception: the RFC 9457 problem document with its stable `code`, which
 * callers switch on (`ACCOUNT.INSUFFICIENT_FUNDS`), never on the human-readable detail.
 */
export class GatewayProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly problem: ProblemDocument | undefined;

  constructor(status: number, code: string, detail: string, problem?: ProblemDocument) {
    super(`${status} ${code}: ${detail}`);
    this.name = 'GatewayProblem';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.problem = problem;
  }

  /** The problem a response carried, or one that names what came back when it carried none. */
  static from(status: number, body: unknown): GatewayProblem {
    if (isProblemDocument(body)) return new GatewayProblem(status, body.code, body.detail ?? '', body);
    return new GatewayProblem(status, 'RESPONSE.NOT_A_PROBLEM', `the gateway answered ${status}`);
  }
}

/** The client could not reach the gateway at all (refused, reset, DNS, aborted by its timeout). */
export class GatewayUnreachable extends Error {
  constructor(
    readonly baseUrl: string,
    cause: unknown,
  ) {
    super(`the gateway at ${baseUrl} could not be reached: ${String(cause)}`, { cause });
    this.name = 'GatewayUnreachable';
  }
}

function isProblemDocument(body: unknown): body is ProblemDocument {
  return (
    typeof body === 'object' &&
    body !== null &&
    'code' in body &&
    typeof body.code === 'string' &&
    'status' in body &&
    typeof body.status === 'number'
  );
}
