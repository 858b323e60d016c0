// Typed task definitions: a task's argument types are declared once, where it is defined, and
// every call is checked by the compiler. The consumer (a Python worker) binds the same call
// against the function's signature; these types are the Node side of that agreement.

import { type Call, type Headers, type Priority, type When, checkFifoId, moment } from "./generated/index.js";

/** A value a task argument may hold: JSON's, plus BigInt for integers (within +-(2^53-1)). */
export type JsonArgument =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly JsonArgument[]
  | { readonly [name: string]: JsonArgument };

/**
 * Positional arguments, as a tuple type: `[to: string, subject: string]`. An optional one
 * (`label?: string`) left out, or `undefined` at the end, is not sent, so the Python function's
 * default applies; `undefined` before an argument that is sent is refused when the call is
 * prepared or published, with its path.
 */
export type PositionalArguments = readonly (JsonArgument | undefined)[];

/** What a tuple of positional arguments must fit: each required element a JSON value, each
 * optional one a JSON value or `undefined`. */
export type Positional<T> = { readonly [K in keyof T]: {} extends Pick<T, K> ? JsonArgument | undefined : JsonArgument };

/** Keyword arguments; an optional one left `undefined` is not sent, as if it were absent. */
export type KeywordArguments = { readonly [name: string]: JsonArgument | undefined };

/**
 * The arguments a call may be given: an optional one may also be `undefined` (not sent), so
 * that this holds under `exactOptionalPropertyTypes` as well; a required one may not.
 */
export type Sendable<T> = { readonly [K in keyof T]: {} extends Pick<T, K> ? T[K] | undefined : T[K] };

/** What `call()` takes when the task has a required keyword argument: nothing fits, and the
 * compiler's message says what to do instead. */
export type NeedsCallWith = [callWith: "this task has a required keyword argument: use callWith(args, kwargs)"];

export interface TaskOptions {
  readonly priority?: Priority;
  readonly headers?: Headers;
  readonly delay?: When;
  readonly expires?: When;
  readonly group?: string;
  readonly deduplicationId?: string;
  readonly tenant?: string;
}

/** A task of a consumer, as a publisher sees it: its name and the types of its arguments. */
export class TaskDefinition<Args extends PositionalArguments & Positional<Args>, Kwargs extends KeywordArguments> {
  constructor(
    readonly name: string,
    readonly options: TaskOptions = {},
  ) {}

  /** The same task, sent to another priority's queue or topic. */
  withPriority(priority: Priority): TaskDefinition<Args, Kwargs> {
    return new TaskDefinition(this.name, { ...this.options, priority });
  }

  /** The same task with more headers (these win over earlier ones of the same name). */
  withHeaders(headers: Headers): TaskDefinition<Args, Kwargs> {
    const merged = Object.fromEntries([...Object.entries(this.options.headers ?? {}), ...Object.entries(headers)]);
    return new TaskDefinition(this.name, { ...this.options, headers: merged });
  }

  /**
   * The same task, not to start before `delay`: seconds from each publish, or a Date. Up to 900 s
   * the queue holds the message; longer, the consumer does (`metadata.eta`, format 1.1).
   */
  withDelay(delay: When): TaskDefinition<Args, Kwargs> {
    moment(delay, 0, "eta"); // refuse what can never be a moment now, not at the publish
    return new TaskDefinition(this.name, { ...this.options, delay });
  }

  /** The same task, never to start after `expires` (`metadata.expires`, format 1.1): seconds
   * from each publish, or a Date. */
  withExpires(expires: When): TaskDefinition<Args, Kwargs> {
    moment(expires, 0, "expires");
    return new TaskDefinition(this.name, { ...this.options, expires });
  }

  /**
   * The same task in a FIFO message group (FIFO apps only, where every call needs one): calls of
   * one group run one at a time, in publish order, after those published before them.
   */
  withGroup(group: string): TaskDefinition<Args, Kwargs> {
    checkFifoId(group, "group"); // refuse an id SQS would refuse now, not at the publish
    return new TaskDefinition(this.name, { ...this.options, group });
  }

  /**
   * The same task with this deduplication id (FIFO apps only): SQS keeps one message of those
   * sent with it within five minutes. Without it the id is the message id (every publish is new).
   */
  withDeduplicationId(deduplicationId: string): TaskDefinition<Args, Kwargs> {
    checkFifoId(deduplicationId, "deduplication id");
    return new TaskDefinition(this.name, { ...this.options, deduplicationId });
  }

  /**
   * The same task for this tenant: its messages carry it as their message group, so a standard
   * queue serves tenants fairly (SQS fair queues); on a FIFO app it is the group.
   */
  withTenant(tenant: string): TaskDefinition<Args, Kwargs> {
    checkFifoId(tenant, "tenant");
    return new TaskDefinition(this.name, { ...this.options, tenant });
  }

  /** A call with positional arguments only (every keyword argument optional or none declared). */
  call(...args: object extends Kwargs ? Args : NeedsCallWith): Call {
    return this.callWith(args as Sendable<Args>, {} as Sendable<Kwargs>);
  }

  /** A call with positional and keyword arguments; an optional one left `undefined` is not sent. */
  callWith(args: Sendable<Args>, kwargs: Sendable<Kwargs>): Call {
    const sent = [...args];
    while (sent.length > 0 && sent[sent.length - 1] === undefined) sent.pop();
    // Symbol-keyed members are kept, for the value rules to refuse rather than drop them.
    const names = [...Object.keys(kwargs), ...Object.getOwnPropertySymbols(kwargs)];
    const given = names.map((name) => [name, (kwargs as { readonly [key: PropertyKey]: unknown })[name]] as const).filter(([, value]) => value !== undefined);
    const call: Call = { task: this.name, args: sent, kwargs: Object.fromEntries(given) };
    const { priority, headers, delay, expires, group, deduplicationId, tenant } = this.options;
    return {
      ...call,
      ...(priority === undefined ? {} : { priority }),
      ...(headers === undefined ? {} : { headers }),
      ...(delay === undefined ? {} : { delay }),
      ...(expires === undefined ? {} : { expires }),
      ...(group === undefined ? {} : { group }),
      ...(deduplicationId === undefined ? {} : { deduplicationId }),
      ...(tenant === undefined ? {} : { tenant }),
    };
  }
}

/**
 * Declare a task by the name its consumer registers it under, with its argument types:
 * `defineTask<[to: string, subject: string], { from_email?: string }>("tasks.send_email")`.
 */
export function defineTask<
  Args extends PositionalArguments & Positional<Args> = [],
  Kwargs extends KeywordArguments = Record<never, never>,
>(name: string, options: TaskOptions = {}): TaskDefinition<Args, Kwargs> {
  return new TaskDefinition<Args, Kwargs>(name, options);
}
