// Publishing task calls from Node: each call is prepared by the generated rules (message, body,
// attributes, destination, size) before anything is sent, then sent through SQS or SNS.

import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import {
  type App,
  type Call,
  type Destination,
  type FormatVersion,
  type Headers,
  LATEST_VERSION,
  MAX_BATCH,
  type Prepared,
  RULES,
  TOPOLOGIES,
  type Topology,
  prepareMessage,
} from "./generated/index.js";
import { PublishError } from "./errors.js";
import { type OffloadOptions, type Offloaded, type PayloadStore, S3PayloadStore, offload, rulesWithoutLimit } from "./offload.js";
import { AwsTransport, type SendResult, type Transport } from "./send.js";
import { tracedSend } from "./trace.js";

export interface PublisherOptions {
  /** The app's queue setting (`TASKHAWK_QUEUE`), say `dev-myapp`. */
  readonly queue: string;
  /** `sqs` (the default): send to the priority's queue; `sns`: publish to its topic (Lambda apps). */
  readonly topology?: Topology | undefined;
  /**
   * With the `sns` topology: Lambda functions subscribe to the topics (true, the default, as
   * IS_LAMBDA_APP says in Python: a delay is refused) or the app's queues do (false: a delay
   * travels as `metadata.eta`).
   */
  readonly lambdaApp?: boolean | undefined;
  /**
   * FIFO queues and topics (TASKHAWK_FIFO in Python): names end in `.fifo`, every call needs a
   * message group (`withGroup`), and delays are refused.
   */
  readonly fifo?: boolean | undefined;
  /**
   * The FIFO queues deduplicate by content (TASKHAWK_FIFO_CONTENT_BASED_DEDUPLICATION): a call
   * without `withDeduplicationId` is sent without a deduplication id. Unset: the message id is.
   */
  readonly contentBasedDeduplication?: boolean | undefined;
  /** AWS region; without it the SDK's default chain decides. */
  readonly region?: string | undefined;
  /** AWS account id, to build topic ARNs; needed for the `sns` topology. */
  readonly accountId?: string | undefined;
  /** Endpoint URL for SQS and SNS, such as a local endpoint in development. */
  readonly endpoint?: string | undefined;
  /** Credentials; without them the SDK's default chain decides. */
  readonly credentials?: NonNullable<SQSClientConfig["credentials"]> | undefined;
  /** Headers every message carries; a call's own headers win. */
  readonly defaultHeaders?: Headers | undefined;
  /**
   * A header whose value is the tenant of a call without `withTenant` (TASKHAWK_DEFAULT_TENANT_HEADER
   * in Python): its message group, which makes a standard queue fair between tenants.
   */
  readonly defaultTenantHeader?: string | undefined;
  /** Milliseconds to wait for a connection (5000, as the Python library waits). */
  readonly connectTimeoutMs?: number | undefined;
  /** Milliseconds to wait for an answer (10000); a send whose answer is lost is "unknown". */
  readonly requestTimeoutMs?: number | undefined;
  /**
   * The newest message format the app's consumers read, as TASKHAWK_MAX_FORMAT_VERSION says in
   * Python: a call that needs a newer one (a delay beyond 900 s, an expiry) is refused. Upgrade
   * every consumer first; unset, the newest this package knows.
   */
  readonly maxFormatVersion?: FormatVersion | undefined;
  /**
   * Trace each publish with OpenTelemetry when `@opentelemetry/api` is installed (true, the
   * default): a PRODUCER span whose context travels in the message attributes, so the Python
   * worker's task span joins the same trace (TASKHAWK_OPENTELEMETRY in Python).
   */
  readonly tracing?: boolean | undefined;
  /** Send through this instead of AWS (tests). */
  readonly transport?: Transport | undefined;
  /**
   * Large messages through S3 (TASKHAWK_LARGE_PAYLOAD_BUCKET and its threshold and always
   * settings in Python): the body goes to the bucket and the message carries a pointer in the
   * format of AWS's extended client libraries. Unset: a message over the limit is refused.
   */
  readonly largePayloads?: OffloadOptions | undefined;
  /** S3 endpoint URL (a local endpoint in development); unset: `endpoint`, else the SDK's. */
  readonly s3Endpoint?: string | undefined;
  /** Keep large bodies here instead of S3 (tests). */
  readonly payloadStore?: PayloadStore | undefined;
}

/** Publishes task calls for one app. */
export class Publisher {
  readonly app: App;
  private readonly transport: Transport;
  private readonly clients: { destroy(): void }[] = [];
  private readonly payloads: PayloadStore | undefined;

  constructor(private readonly options: PublisherOptions) {
    const topology = options.topology ?? "sqs";
    if (!TOPOLOGIES.includes(topology)) throw new TypeError(`topology must be one of ${TOPOLOGIES.join(", ")}, not ${String(topology)}`);
    if (topology === "sns" && options.accountId === undefined && options.transport === undefined) {
      throw new TypeError("the sns topology needs accountId, to build topic ARNs");
    }
    const { queue, lambdaApp, fifo, contentBasedDeduplication } = options;
    this.app = { queue, topology, lambdaApp, fifo, contentBasedDeduplication };
    const threshold = options.largePayloads?.threshold;
    if (threshold !== undefined && !(threshold >= 0)) throw new TypeError(`largePayloads.threshold must be 0 or more bytes, not ${threshold}`);
    this.payloads = options.payloadStore ?? (options.largePayloads === undefined ? undefined : this.s3Store());
    if (options.transport !== undefined) {
      this.transport = options.transport;
      return;
    }
    const config = {
      maxAttempts: 1, // sends are retried here, only when nothing can have been sent
      requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 5000, requestTimeout: options.requestTimeoutMs ?? 10000, throwOnRequestTimeout: true },
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    };
    const sqs = new SQSClient(config);
    const sns = new SNSClient(config);
    this.clients.push(sqs, sns);
    // Where errors say the queue or topic was looked for (the SDK also reads AWS_ENDPOINT_URL).
    const endpoint = options.endpoint ?? process.env["AWS_ENDPOINT_URL"] ?? `AWS (${options.region ?? "the SDK's default region"})`;
    this.transport = new AwsTransport(sqs, sns, (topic) => this.topicArn(topic), endpoint);
  }

  /** Check and encode a call as it would be sent, without sending it; `traceContext` is what a
   * propagator wrote for the publish's span (decision trace-context). */
  prepare(call: Call, traceContext: Headers = {}): Prepared {
    return this.offloaded(call, traceContext).prepared;
  }

  /** The call prepared, as a pointer with its payload when it goes through S3. */
  private offloaded(call: Call, traceContext: Headers): Offloaded {
    const headers = { ...this.options.defaultHeaders, ...call.headers };
    const header = this.options.defaultTenantHeader;
    const tenant = call.tenant ?? (header === undefined ? undefined : headers[header]);
    const large = this.options.largePayloads;
    const rules = large === undefined ? RULES : rulesWithoutLimit(large);
    const prepared = prepareMessage({ ...call, headers, ...(tenant === undefined ? {} : { tenant }) }, this.app, rules, this.options.maxFormatVersion ?? LATEST_VERSION, traceContext);
    return offload(prepared, large);
  }

  /** Publish one call; its message id. ValidationError (nothing sent) or PublishError. */
  async publish(call: Call): Promise<string> {
    const [id] = await this.publishBatch([call]);
    return id as string;
  }

  /**
   * Publish calls (any tasks, any priorities); their message ids, in order. Every call is
   * checked before the first is sent, so a ValidationError means nothing was sent. Messages go
   * ten at a time (fewer when their sizes add up to the request limit); when any is not known
   * to be sent, a PublishError says for each whether it was sent, not sent, or unknown.
   */
  async publishBatch(calls: readonly Call[]): Promise<string[]> {
    const destinations = () => distinct(calls.map((call) => RULES.destination(this.app, call.priority ?? "default")));
    return tracedSend(this.options.tracing ?? true, destinations, async (observation) => {
      const offloaded = calls.map((call) => this.offloaded(call, observation.traceContext));
      const prepared = offloaded.map((item) => item.prepared);
      observation.prepared(prepared);
      await this.storePayloads(offloaded); // S3 first: a failure there sends nothing
      const results: SendResult[] = [];
      for (const [destination, messages] of byDestination(prepared)) {
        for (const chunk of chunks(messages)) results.push(await this.sendChunk(destination, chunk));
      }
      const sent = results.flatMap((result) => result.sent);
      observation.finished(prepared.length - sent.length);
      if (sent.length < prepared.length) throw publishError(prepared.length, results);
      return prepared.map((message) => message.id);
    });
  }

  /** Put every payload in S3, or throw a PublishError with every message not sent. */
  private async storePayloads(offloaded: readonly Offloaded[]): Promise<void> {
    for (const { payload } of offloaded) {
      if (payload === undefined || this.payloads === undefined) continue;
      try {
        await this.payloads.put(payload.bucket, payload.key, payload.body);
      } catch (error) {
        const reason = `large payload not stored in S3, nothing sent: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        const notSent = new Map(offloaded.map((item) => [item.prepared.id, reason]));
        throw new PublishError(`${offloaded.length} messages not sent: ${reason}`, [], notSent, new Map());
      }
    }
  }

  private s3Store(): PayloadStore {
    const endpoint = this.options.s3Endpoint ?? this.options.endpoint;
    const s3 = new S3Client({
      ...(this.options.region === undefined ? {} : { region: this.options.region }),
      ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
      ...(this.options.credentials === undefined ? {} : { credentials: this.options.credentials }),
    });
    this.clients.push(s3);
    return new S3PayloadStore(s3);
  }

  /** Release the SDK clients' connections. */
  close(): void {
    for (const client of this.clients) client.destroy();
  }

  private async sendChunk(destination: Destination, chunk: readonly Prepared[]): Promise<SendResult> {
    try {
      return await this.transport.send(destination, chunk);
    } catch (error) {
      // A transport fault must not hide which messages went out: theirs is unknown.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { sent: [], notSent: new Map(), unknown: new Map(chunk.map((message) => [message.id, reason])) };
    }
  }

  private topicArn(topic: string): string {
    return `arn:aws:sns:${this.options.region ?? "us-east-1"}:${this.options.accountId ?? ""}:${topic}`;
  }
}

export function createPublisher(options: PublisherOptions): Publisher {
  return new Publisher(options);
}

// One key per queue or topic (and DelaySeconds): a FIFO message's group travels with the message,
// so the messages of one FIFO queue share requests, in call order.
function destinationKey(destination: Destination): string {
  return destination.transport === "sns" ? `sns:${destination.topic}` : `sqs:${destination.queue}:${destination.delaySeconds ?? 0}`;
}

/** The queue or topic (and DelaySeconds) of a destination, without one message's FIFO ids. */
function place(destination: Destination): Destination {
  if (destination.transport === "sns") return { transport: "sns", topic: destination.topic };
  const { queue, delaySeconds } = destination;
  return delaySeconds === undefined ? { transport: "sqs", queue } : { transport: "sqs", queue, delaySeconds };
}

/** Each destination once, in the order first seen. */
function distinct(destinations: readonly Destination[]): Destination[] {
  const seen = new Map<string, Destination>();
  for (const destination of destinations) {
    const key = destinationKey(destination);
    if (!seen.has(key)) seen.set(key, destination);
  }
  return [...seen.values()];
}

function byDestination(prepared: readonly Prepared[]): Map<Destination, Prepared[]> {
  const keys = new Map<string, Destination>();
  const groups = new Map<Destination, Prepared[]>();
  for (const message of prepared) {
    const key = destinationKey(message.destination);
    const destination = keys.get(key) ?? place(message.destination);
    keys.set(key, destination);
    groups.set(destination, [...(groups.get(destination) ?? []), message]);
  }
  return groups;
}

/** Up to ten messages whose sizes together stay within the service's request limit. */
function* chunks(messages: readonly Prepared[]): Generator<Prepared[]> {
  let chunk: Prepared[] = [];
  let size = 0;
  for (const message of messages) {
    if (chunk.length > 0 && (chunk.length === MAX_BATCH || size + message.size > message.limit)) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(message);
    size += message.size;
  }
  if (chunk.length > 0) yield chunk;
}

function publishError(total: number, results: readonly SendResult[]): PublishError {
  const sent = results.flatMap((result) => result.sent);
  const notSent = new Map(results.flatMap((result) => [...result.notSent]));
  const unknown = new Map(results.flatMap((result) => [...result.unknown]));
  const parts = [];
  if (notSent.size > 0) parts.push(`not sent, safe to publish again: ${[...notSent].map(([id, why]) => `${id}: ${why}`).join("; ")}`);
  if (unknown.size > 0) parts.push(`may have been sent, check before publishing again: ${[...unknown].map(([id, why]) => `${id}: ${why}`).join("; ")}`);
  return new PublishError(`${total - sent.length} of ${total} messages not known to be sent: ${parts.join("; ")}`, sent, notSent, unknown);
}
