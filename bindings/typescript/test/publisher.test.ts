// The runtime: every call checked before anything is sent, batches of at most ten within the
// request limit, grouped by destination, and for each message sent, not sent or unknown, from
// the service's answers and errors (taskhawk/transport/aws_send.py decides the same in Python).

import assert from "node:assert/strict";
import { test } from "node:test";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { AwsTransport, type Call, type Destination, type Prepared, PublishError, Publisher, type SendResult, ValidationError, defineTask } from "../src/index.js";

const task = defineTask<[n: number]>("tasks.count");

class Recording {
  readonly sent: { destination: Destination; ids: string[] }[] = [];
  constructor(private readonly answer: (messages: readonly Prepared[]) => SendResult = (m) => ({ sent: m.map((x) => x.id), notSent: new Map(), unknown: new Map() })) {}
  async send(destination: Destination, messages: readonly Prepared[]): Promise<SendResult> {
    this.sent.push({ destination, ids: messages.map((message) => message.id) });
    return this.answer(messages);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("no error");
}

test("a batch goes out ten at a time per destination, ids in call order", async () => {
  const transport = new Recording();
  const publisher = new Publisher({ queue: "dev-myapp", transport, defaultHeaders: { origin: "node" } });
  const calls: Call[] = Array.from({ length: 23 }, (_, n) => (n % 2 ? task.withPriority("high") : task).call(n));
  const ids = await publisher.publishBatch(calls);
  assert.equal(new Set(ids).size, 23);
  assert.deepEqual(transport.sent.map((s) => [s.destination, s.ids.length]), [
    [{ transport: "sqs", queue: "TASKHAWK-DEV-MYAPP" }, 10],
    [{ transport: "sqs", queue: "TASKHAWK-DEV-MYAPP" }, 2],
    [{ transport: "sqs", queue: "TASKHAWK-DEV-MYAPP-HIGH-PRIORITY" }, 10],
    [{ transport: "sqs", queue: "TASKHAWK-DEV-MYAPP-HIGH-PRIORITY" }, 1],
  ]);
  assert.deepEqual(transport.sent.flatMap((s) => s.ids).sort(), [...ids].sort());
  assert.deepEqual(publisher.prepare(task.withHeaders({ origin: "mine" }).call(1)).message.headers, { origin: "mine" });
});

test("chunks stay within the request limit; one invalid call means nothing is sent", async () => {
  const transport = new Recording();
  const publisher = new Publisher({ queue: "dev-myapp", topology: "sns", accountId: "123456789012", transport });
  const big = defineTask<[text: string]>("tasks.big");
  await publisher.publishBatch([big.call("x".repeat(100_000)), big.call("x".repeat(100_000)), big.call("x".repeat(100_000))]);
  assert.deepEqual(transport.sent.map((s) => s.ids.length), [2, 1]);
  const error = await rejection(publisher.publishBatch([task.call(1), task.call(Number.NaN)]));
  assert.ok(error instanceof ValidationError && error.path === "$.args[0]");
  assert.equal(transport.sent.length, 2);
});

test("a PublishError says which messages were sent, not sent and unknown", async () => {
  let chunk = 0;
  const transport = new Recording((messages) => {
    chunk += 1;
    if (chunk === 1) return { sent: messages.map((m) => m.id), notSent: new Map(), unknown: new Map() };
    if (chunk === 2) return { sent: [], notSent: new Map(messages.map((m) => [m.id, "refused"])), unknown: new Map() };
    throw new Error("connection reset");
  });
  const publisher = new Publisher({ queue: "dev-myapp", transport });
  const error = await rejection(publisher.publishBatch(Array.from({ length: 25 }, (_, n) => task.call(n))));
  assert.ok(error instanceof PublishError);
  assert.equal(error.sent.length, 10);
  assert.equal(error.notSent.size, 10);
  assert.equal(error.unknown.size, 5);
  assert.equal(error.failures.size, 15);
  assert.match(error.message, /^15 of 25 messages not known to be sent: not sent, safe to publish again: .*refused.*; may have been sent, check before publishing again: .*connection reset/);
});

/** A fake SDK client: `answer(commandName, input, attempt)` returns or throws. */
function client(answer: (name: string, input: { [key: string]: unknown }, attempt: number) => unknown) {
  const calls: { name: string; input: { [key: string]: unknown } }[] = [];
  return {
    calls,
    async send(command: { constructor: { name: string }; input: { [key: string]: unknown } }) {
      calls.push({ name: command.constructor.name, input: command.input });
      return answer(command.constructor.name, command.input, calls.filter((c) => c.name === command.constructor.name).length);
    },
  };
}

function errorOf(fields: { [key: string]: unknown }): Error {
  return Object.assign(new Error(String(fields["message"] ?? "failed")), fields);
}

async function outcome(answer: Parameters<typeof client>[0], count = 1, topology: "sqs" | "sns" = "sqs") {
  const sqs = client((name, input, attempt) => (name === "GetQueueUrlCommand" ? { QueueUrl: `http://sqs.local/1/${String(input["QueueName"])}` } : answer(name, input, attempt)));
  const sns = client(answer);
  const transport = new AwsTransport(sqs as unknown as SQSClient, sns as unknown as SNSClient, (topic) => `arn:aws:sns:us-east-1:1:${topic}`);
  const publisher = new Publisher({ queue: "dev-myapp", topology, accountId: "1", transport });
  const calls = Array.from({ length: count }, (_, n) => task.withHeaders({ n: String(n) }).call(n));
  const prepared = calls.map((call) => publisher.prepare(call));
  const destination = prepared[0]?.destination as Destination;
  return { result: await transport.send(destination, prepared), sqs, sns, ids: prepared.map((p) => p.id) };
}

const ok = { MessageId: "m-1" };

test("SQS and SNS requests carry the body, the attributes and the target", async () => {
  const one = await outcome(() => ok);
  assert.deepEqual(one.result.sent, one.ids);
  const request = one.sqs.calls[1];
  assert.equal(request?.name, "SendMessageCommand");
  assert.equal(request?.input["QueueUrl"], "http://sqs.local/1/TASKHAWK-DEV-MYAPP");
  assert.deepEqual(request?.input["MessageAttributes"], { taskhawk_task: { DataType: "String", StringValue: "tasks.count" }, n: { DataType: "String", StringValue: "0" } });
  assert.equal(request?.input["DelaySeconds"], undefined);
  const topic = await outcome((_, input) => ({ Successful: (input["PublishBatchRequestEntries"] as { Id: string }[]).map((e) => ({ Id: e.Id })) }), 3, "sns");
  assert.deepEqual(topic.result.sent, topic.ids);
  assert.equal(topic.sns.calls[0]?.name, "PublishBatchCommand");
  assert.equal(topic.sns.calls[0]?.input["TopicArn"], "arn:aws:sns:us-east-1:1:taskhawk-dev-myapp");
});

test("a batch answer is cross-checked entry by entry", async () => {
  const { result, ids } = await outcome(() => ({ Successful: [{ Id: "0" }, { Id: "2" }], Failed: [{ Id: "1", Code: "InvalidParameterValue", Message: "no" }, { Id: "2", Code: "X" }] }), 4);
  assert.deepEqual(result.sent, [ids[0]]);
  assert.deepEqual([...result.notSent], [[ids[1], "InvalidParameterValue: no"]]);
  assert.deepEqual([...result.unknown.keys()], [ids[2], ids[3]]);
  const empty = await outcome(() => ({}), 2);
  assert.equal(empty.result.unknown.size, 2);
  const noId = await outcome(() => ({}));
  assert.match(noId.result.unknown.get(noId.ids[0] as string) ?? "", /no MessageId/);
});

test("errors that prove nothing was sent are retried; others are not", async () => {
  const refusedThenOk = await outcome((_, __, attempt) => {
    if (attempt < 3) throw errorOf({ code: "ECONNREFUSED" });
    return ok;
  });
  assert.equal(refusedThenOk.result.sent.length, 1);
  assert.equal(refusedThenOk.sqs.calls.length, 4);
  const neverConnects = await outcome(() => {
    throw errorOf({ name: "TimeoutError", message: "the request socket did not establish a connection with the server within 5000 ms" });
  });
  assert.equal(neverConnects.result.notSent.size, 1);
  const throttled = await outcome((_, __, attempt) => {
    if (attempt === 1) throw errorOf({ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
    return ok;
  });
  assert.equal(throttled.result.sent.length, 1);
  const timedOut = await outcome(() => {
    throw errorOf({ name: "TimeoutError", code: "ETIMEDOUT", message: "a request has exceeded the configured 10000 ms requestTimeout" });
  });
  assert.match(timedOut.result.unknown.get(timedOut.ids[0] as string) ?? "", /outcome unknown/);
  assert.equal(timedOut.sqs.calls.length, 2); // the lookup and one send: never sent again
  const refused = await outcome(() => {
    throw errorOf({ name: "InvalidMessageContents", $metadata: { httpStatusCode: 400 } });
  });
  assert.equal(refused.result.notSent.size, 1);
  const serverFault = await outcome(() => {
    throw errorOf({ name: "InternalError", $metadata: { httpStatusCode: 500 } });
  });
  assert.equal(serverFault.result.unknown.size, 1);
});

test("a queue that cannot be found means nothing was sent", async () => {
  const sqs = client(() => {
    throw errorOf({ name: "QueueDoesNotExist", $metadata: { httpStatusCode: 400 } });
  });
  const transport = new AwsTransport(sqs as unknown as SQSClient, client(() => ok) as unknown as SNSClient, (t) => t);
  const prepared = new Publisher({ queue: "dev-myapp", transport }).prepare(task.call(1));
  const result = await transport.send(prepared.destination, [prepared]);
  assert.match(result.notSent.get(prepared.id) ?? "", /^SQS queue TASKHAWK-DEV-MYAPP does not exist at AWS: `taskhawk provision` creates it/);
});

test("options are checked when the publisher is made", () => {
  assert.throws(() => new Publisher({ queue: "q", topology: "sns" }), /accountId/);
  assert.throws(() => new Publisher({ queue: "q", topology: "kafka" as "sqs" }), /topology/);
  const publisher = new Publisher({ queue: "q", region: "eu-west-1", endpoint: "http://127.0.0.1:1" });
  publisher.close();
});
