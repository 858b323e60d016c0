// Sending through SQS (SendMessage, SendMessageBatch) and SNS (Publish, PublishBatch), with what
// became of each message: sent, not sent, or unknown (taskhawk/transport/aws_send.py does the
// same in Python).
//
// One request per call, sent again only when the error proves nothing was enqueued (no
// connection, throttled); a request timeout or a connection lost after the request went out
// leaves the outcome unknown, since sending again could deliver the task twice. The SDK's own
// retries are off for sends for that reason. A batch answer is cross-checked: every entry must
// be reported as successful or failed, anything else is unknown.

import { PublishBatchCommand, PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { type SendTarget, describe, explain, failedBeforeRequest, fields, notConnected } from "./aws-errors.js";
import { type Destination, type Prepared } from "./generated/index.js";
import { messageAttributes } from "./offload.js";

export const SEND_ATTEMPTS = 3;
const UNKNOWN = "outcome unknown: the endpoint may have it, so it was not sent again";
const THROTTLED = new Set([
  "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
  "RequestThrottledException", "TooManyRequestsException", "KMSThrottlingException",
]);

/** What became of each message of one send, by message id. */
export interface SendResult {
  readonly sent: readonly string[];
  readonly notSent: ReadonlyMap<string, string>;
  readonly unknown: ReadonlyMap<string, string>;
}

/** Sends up to ten prepared messages to one destination in one request. */
export interface Transport {
  send(destination: Destination, messages: readonly Prepared[]): Promise<SendResult>;
}

/** An answer from SQS or SNS: one id when one message went, or per-entry results. */
interface BatchAnswer {
  readonly Successful?: readonly { readonly Id?: string | undefined }[] | undefined;
  readonly Failed?: readonly { readonly Id?: string | undefined; readonly Code?: string | undefined; readonly Message?: string | undefined }[] | undefined;
}

export class AwsTransport implements Transport {
  private readonly urls = new Map<string, string>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly sns: SNSClient,
    private readonly topicArn: (topic: string) => string,
    /** The endpoint URL, or the region: where failures say the queue or topic was looked for. */
    private readonly endpoint: string = "AWS",
  ) {}

  async send(destination: Destination, messages: readonly Prepared[]): Promise<SendResult> {
    if (destination.transport === "sns") {
      const target = this.topicArn(destination.topic);
      const why = (error: unknown) => explain(error, { kind: "SNS topic", name: destination.topic, endpoint: this.endpoint });
      return sendRequest(messages, {
        one: (message) => this.sns.send(new PublishCommand({ TopicArn: target, Message: message.body, MessageAttributes: messageAttributes(message.attributes), ...fifoParameters(message) })),
        batch: (entries) => this.sns.send(new PublishBatchCommand({ TopicArn: target, PublishBatchRequestEntries: entries.map(([id, message]) => ({ Id: id, Message: message.body, MessageAttributes: messageAttributes(message.attributes), ...fifoParameters(message) })) })),
      }, why);
    }
    const place: SendTarget = { kind: "SQS queue", name: destination.queue, endpoint: this.endpoint };
    const why = (error: unknown) => explain(error, place);
    let url: string;
    try {
      url = await this.queueUrl(destination.queue);
    } catch (error) {
      const reason = why(error); // the lookup sends nothing, whatever went wrong
      return { sent: [], notSent: new Map(messages.map((message) => [message.id, reason])), unknown: new Map() };
    }
    const delay = destination.delaySeconds === undefined ? {} : { DelaySeconds: destination.delaySeconds };
    return sendRequest(messages, {
      one: (message) => this.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: message.body, MessageAttributes: messageAttributes(message.attributes), ...delay, ...fifoParameters(message) })),
      batch: (entries) => this.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries.map(([id, message]) => ({ Id: id, MessageBody: message.body, MessageAttributes: messageAttributes(message.attributes), ...delay, ...fifoParameters(message) })) })),
    }, why);
  }

  /** The queue's URL, looked up once (a lookup changes nothing, so any failure may be retried). */
  private async queueUrl(name: string): Promise<string> {
    const known = this.urls.get(name);
    if (known !== undefined) return known;
    const answer = await withRetries(() => this.sqs.send(new GetQueueUrlCommand({ QueueName: name })), () => true);
    if (answer.QueueUrl === undefined) throw new Error("the answer has no QueueUrl");
    this.urls.set(name, answer.QueueUrl);
    return answer.QueueUrl;
  }
}

/** A FIFO message's MessageGroupId and MessageDeduplicationId, each only when it has one. */
export function fifoParameters(message: Prepared): { MessageGroupId?: string; MessageDeduplicationId?: string } {
  const { messageGroupId, messageDeduplicationId } = message.destination;
  return {
    ...(messageGroupId === undefined ? {} : { MessageGroupId: messageGroupId }),
    ...(messageDeduplicationId === undefined ? {} : { MessageDeduplicationId: messageDeduplicationId }),
  };
}

interface SendCalls {
  one(message: Prepared): Promise<{ readonly MessageId?: string | undefined }>;
  batch(entries: readonly (readonly [string, Prepared])[]): Promise<BatchAnswer>;
}

/** Send up to ten messages in one request; what became of each, and why (`explainError`). */
export async function sendRequest(messages: readonly Prepared[], calls: SendCalls, explainError: (error: unknown) => string = describe): Promise<SendResult> {
  try {
    const [first] = messages;
    if (messages.length === 1 && first !== undefined) {
      const answer = await withRetries(() => calls.one(first), provesNotSent);
      if (answer.MessageId) return { sent: [first.id], notSent: new Map(), unknown: new Map() };
      return { sent: [], notSent: new Map(), unknown: new Map([[first.id, `the answer has no MessageId; ${UNKNOWN}`]]) };
    }
    const entries = messages.map((message, index) => [String(index), message] as const);
    return batchResult(messages, await withRetries(() => calls.batch(entries), provesNotSent));
  } catch (error) {
    const reason = explainError(error);
    const ids = messages.map((message) => message.id);
    if (outcomeUnknown(error)) return { sent: [], notSent: new Map(), unknown: new Map(ids.map((id) => [id, `${reason}; ${UNKNOWN}`])) };
    return { sent: [], notSent: new Map(ids.map((id) => [id, reason])), unknown: new Map() };
  }
}

function batchResult(messages: readonly Prepared[], answer: BatchAnswer): SendResult {
  const succeeded = new Set((answer.Successful ?? []).map((entry) => String(entry.Id)));
  const failed = new Map((answer.Failed ?? []).map((entry) => [String(entry.Id), entry]));
  const sent: string[] = [];
  const notSent = new Map<string, string>();
  const unknown = new Map<string, string>();
  messages.forEach((message, index) => {
    const id = String(index);
    const failure = failed.get(id);
    if (failure !== undefined && !succeeded.has(id)) {
      notSent.set(message.id, `${failure.Code ?? "Failed"}: ${failure.Message ?? ""}`);
    } else if (succeeded.has(id) && failure === undefined) {
      sent.push(message.id);
    } else {
      unknown.set(message.id, `the endpoint's answer does not account for it; ${UNKNOWN}`);
    }
  });
  return { sent, notSent, unknown };
}

/** Call, again after a jittered pause while `retryable` says the error proves nothing happened. */
async function withRetries<T>(call: () => Promise<T>, retryable: (error: unknown) => boolean): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt === SEND_ATTEMPTS || !(retryable(error) || throttled(error))) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));
  }
}

/** No connection was made, so no request reached the endpoint: worth trying again. */
export function provesNotSent(error: unknown): boolean {
  return notConnected(error);
}

function throttled(error: unknown): boolean {
  const { name } = fields(error);
  return typeof name === "string" && THROTTLED.has(name);
}

/** The endpoint may have acted on the request: no answer, or the service itself failed. */
export function outcomeUnknown(error: unknown): boolean {
  if (provesNotSent(error) || failedBeforeRequest(error)) return false;
  const status = fields(error).$metadata?.httpStatusCode;
  if (typeof status === "number") return status >= 500;
  return true; // request timeouts, connections lost after sending, answers that could not be read
}
