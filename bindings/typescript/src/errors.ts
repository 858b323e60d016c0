// Errors of the hand-written runtime. Wire errors (ValidationError, MessageTooLarge) are
// generated with the rules that raise them, in generated/violation.ts.

/**
 * Messages of a publish were not all sent. Each message id is in one of three groups, as the
 * Python library reports them:
 *
 * - `sent`: it went out;
 * - `notSent` (id -> reason): refused, or it never reached the endpoint; safe to publish again;
 * - `unknown` (id -> reason): the endpoint may have it (a timeout, or a connection lost after
 *   the request went out); publishing it again may run the task twice, so check first.
 */
export class PublishError extends Error {
  override readonly name: string = "PublishError";

  constructor(
    message: string,
    readonly sent: readonly string[],
    readonly notSent: ReadonlyMap<string, string>,
    readonly unknown: ReadonlyMap<string, string>,
  ) {
    super(message);
  }

  /** `notSent` and `unknown` together. */
  get failures(): ReadonlyMap<string, string> {
    return new Map([...this.notSent, ...this.unknown]);
  }
}
