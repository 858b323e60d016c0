// FIFO apps: `.fifo` names for every priority, the group and deduplication id each message
// carries (the message id unless given, none with content-based deduplication), the refusals
// taskhawk/ordering.py makes, and the ids reaching SendMessage(Batch) and Publish(Batch).

import assert from "node:assert/strict";
import { test } from "node:test";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { AwsTransport, type Destination, type Prepared, Publisher, type SendResult, ValidationError, defineTask } from "../src/index.js";
import { type App, type Call, FIFO_ID_MAX_LENGTH, PRIORITIES, deadLetterQueueName, isFifoId, prepareMessage, queueName, topicName } from "../src/wire.js";

const FIFO: App = { queue: "dev-Shop", topology: "sqs", fifo: true };
const CALL: Call = { task: "tasks.charge", args: ["inv-1"], id: "5b1f0001-3c2d-4e8f-9a0b-000000000001", group: "customer-42" };
const SUFFIXES = { default: "", high: "-HIGH-PRIORITY", low: "-LOW-PRIORITY", bulk: "-BULK" };

test("a FIFO app's queues, dead-letter queues and topics end in .fifo, for every priority", () => {
  for (const priority of PRIORITIES) {
    const suffix = SUFFIXES[priority];
    assert.equal(queueName("dev-Shop", priority, { fifo: true }), `TASKHAWK-DEV-SHOP${suffix}.fifo`);
    assert.equal(deadLetterQueueName("dev-Shop", priority, { fifo: true }), `TASKHAWK-DEV-SHOP${suffix}-DLQ.fifo`);
    assert.equal(topicName("dev-Shop", priority, { fifo: true }), `taskhawk-dev-shop${suffix.toLowerCase()}.fifo`);
    const ids = { messageGroupId: "customer-42", messageDeduplicationId: CALL.id };
    assert.deepEqual(prepareMessage({ ...CALL, priority }, FIFO).destination, { transport: "sqs", queue: `TASKHAWK-DEV-SHOP${suffix}.fifo`, ...ids });
    assert.deepEqual(prepareMessage({ ...CALL, priority }, { ...FIFO, topology: "sns" }).destination, { transport: "sns", topic: `taskhawk-dev-shop${suffix.toLowerCase()}.fifo`, ...ids });
  }
  assert.equal(queueName("dev-Shop", "high"), "TASKHAWK-DEV-SHOP-HIGH-PRIORITY");
});

test("the deduplication id is the message id, the given one, or none with content-based deduplication", () => {
  const fifo = { transport: "sqs", queue: "TASKHAWK-DEV-SHOP.fifo", messageGroupId: "customer-42" };
  assert.deepEqual(prepareMessage(CALL, FIFO).destination, { ...fifo, messageDeduplicationId: CALL.id });
  assert.deepEqual(prepareMessage({ ...CALL, deduplicationId: "charge-1" }, FIFO).destination, { ...fifo, messageDeduplicationId: "charge-1" });
  const contentBased = { ...FIFO, contentBasedDeduplication: true };
  assert.deepEqual(prepareMessage(CALL, contentBased).destination, fifo);
  assert.deepEqual(prepareMessage({ ...CALL, deduplicationId: "7" }, contentBased).destination, { ...fifo, messageDeduplicationId: "7" });
  const generated = prepareMessage({ task: "tasks.charge", group: "g" }, FIFO);
  assert.equal(generated.destination.messageDeduplicationId, generated.id);
  assert.equal(generated.message.metadata.version, "1.0");
});

test("no group, a delay, FIFO ids on a standard app and ids SQS refuses are refused", () => {
  const refusals: [Call, App, RegExp][] = [
    [{ ...CALL, group: undefined }, FIFO, /^MessageGroupId: a FIFO app publishes each task in a message group/],
    [{ ...CALL, delay: 10 }, FIFO, /^\$\.metadata\.eta: a FIFO app cannot delay one task/],
    [{ ...CALL, delay: 7200 }, { ...FIFO, topology: "sns", lambdaApp: false }, /cannot delay one task/],
    [CALL, { queue: "dev-myapp", topology: "sqs" }, /needs a FIFO app/],
    [{ ...CALL, group: undefined, deduplicationId: "d" }, { queue: "dev-myapp", topology: "sns" }, /needs a FIFO app/],
    [{ ...CALL, group: "" }, FIFO, /^MessageGroupId: a FIFO group is 1-128 letters/],
    [{ ...CALL, group: "g".repeat(FIFO_ID_MAX_LENGTH + 1) }, FIFO, /FIFO group/],
    [{ ...CALL, group: "customer 42" }, FIFO, /FIFO group/],
    [{ ...CALL, group: "kundé" }, FIFO, /FIFO group/],
    [{ ...CALL, deduplicationId: "a\tb" }, FIFO, /^MessageDeduplicationId: a FIFO deduplication id/],
  ];
  for (const [call, app, reason] of refusals) {
    assert.throws(() => prepareMessage(call, app), (error: unknown) => error instanceof ValidationError && reason.test(error.message), JSON.stringify(call));
  }
  assert.equal(prepareMessage({ ...CALL, delay: 0 }, FIFO).destination.messageGroupId, "customer-42");
  assert.equal(prepareMessage({ ...CALL, expires: 60 }, FIFO).message.metadata.version, "1.1");
});

test("a FIFO id is 1-128 of the ASCII characters ! to ~", () => {
  const every = Array.from({ length: 0x7f - 0x21 }, (_, n) => String.fromCharCode(0x21 + n)).join("");
  assert.equal(every.length, 94);
  assert.ok(isFifoId(every) && isFifoId(every.slice(0, 1)) && isFifoId("x".repeat(128)));
  for (const wrong of ["", " ", "a b", "\u007f", "é", "x".repeat(129), 42, undefined]) assert.equal(isFifoId(wrong), false, String(wrong));
});

test("withGroup and withDeduplicationId ride on the call; a bad id is refused at once", () => {
  const charge = defineTask<[invoice: string]>("tasks.charge").withGroup("customer-42").withDeduplicationId("charge-1");
  assert.deepEqual(charge.call("inv-1"), { task: "tasks.charge", args: ["inv-1"], kwargs: {}, group: "customer-42", deduplicationId: "charge-1" });
  assert.throws(() => defineTask("t").withGroup("a b"), ValidationError);
  assert.throws(() => defineTask("t").withDeduplicationId("x".repeat(129)), ValidationError);
});

class Recording {
  readonly sent: { destination: Destination; groups: (string | undefined)[] }[] = [];
  async send(destination: Destination, messages: readonly Prepared[]): Promise<SendResult> {
    this.sent.push({ destination, groups: messages.map((message) => message.destination.messageGroupId) });
    return { sent: messages.map((message) => message.id), notSent: new Map(), unknown: new Map() };
  }
}

test("a FIFO batch shares requests per queue, in call order, each message with its own group", async () => {
  const transport = new Recording();
  const publisher = new Publisher({ queue: "dev-shop", fifo: true, transport });
  const charge = defineTask<[n: number]>("tasks.charge");
  await publisher.publishBatch(Array.from({ length: 12 }, (_, n) => charge.withGroup(`customer-${n % 3}`).call(n)));
  assert.deepEqual(transport.sent.map((s) => s.destination), [{ transport: "sqs", queue: "TASKHAWK-DEV-SHOP.fifo" }, { transport: "sqs", queue: "TASKHAWK-DEV-SHOP.fifo" }]);
  assert.deepEqual(transport.sent.flatMap((s) => s.groups), Array.from({ length: 12 }, (_, n) => `customer-${n % 3}`));
  await assert.rejects(publisher.publish(charge.call(1)), /message group/);
});

/** A fake SDK client recording each command's input. */
function client(answer: (input: { [key: string]: unknown }) => unknown) {
  const inputs: { name: string; input: { [key: string]: unknown } }[] = [];
  return {
    inputs,
    async send(command: { constructor: { name: string }; input: { [key: string]: unknown } }) {
      inputs.push({ name: command.constructor.name, input: command.input });
      return command.constructor.name === "GetQueueUrlCommand" ? { QueueUrl: "http://sqs.local/1/q" } : answer(command.input);
    },
  };
}

const everyEntry = (key: string) => (input: { [key: string]: unknown }) => ({ Successful: ((input[key] ?? []) as { Id: string }[]).map((e) => ({ Id: e.Id })), MessageId: "m" });

test("MessageGroupId and MessageDeduplicationId reach SendMessage, SendMessageBatch, Publish and PublishBatch", async () => {
  const sqs = client(everyEntry("Entries"));
  const sns = client(everyEntry("PublishBatchRequestEntries"));
  const transport = new AwsTransport(sqs as unknown as SQSClient, sns as unknown as SNSClient, (topic) => `arn:aws:sns:us-east-1:1:${topic}`);
  const charge = defineTask<[n: number]>("tasks.charge").withGroup("customer-42");
  for (const topology of ["sqs", "sns"] as const) {
    const publisher = new Publisher({ queue: "dev-shop", topology, accountId: "1", fifo: true, transport });
    const ids = await publisher.publishBatch([charge.call(1), charge.withDeduplicationId("d-2").call(2)]);
    await publisher.publish(charge.call(3));
    assert.equal(ids.length, 2);
  }
  const fifoIds = (entry: { [key: string]: unknown }) => [entry["MessageGroupId"], entry["MessageDeduplicationId"]];
  const [sqsBatch, sqsOne] = sqs.inputs.filter((c) => c.name !== "GetQueueUrlCommand");
  assert.deepEqual((sqsBatch?.input["Entries"] as { [key: string]: unknown }[]).map(fifoIds)[1], ["customer-42", "d-2"]);
  assert.equal(sqsOne?.name, "SendMessageCommand");
  assert.equal(sqsOne?.input["MessageGroupId"], "customer-42");
  assert.match(String(sqsOne?.input["MessageDeduplicationId"]), /^[0-9a-f-]{36}$/);
  const [snsBatch, snsOne] = sns.inputs;
  assert.equal(snsBatch?.input["TopicArn"], "arn:aws:sns:us-east-1:1:taskhawk-dev-shop.fifo");
  assert.deepEqual((snsBatch?.input["PublishBatchRequestEntries"] as { [key: string]: unknown }[]).map(fifoIds)[1], ["customer-42", "d-2"]);
  assert.equal(snsOne?.name, "PublishCommand");
  assert.equal(snsOne?.input["MessageGroupId"], "customer-42");
  const standard = new Publisher({ queue: "dev-shop", transport });
  await standard.publish(defineTask<[n: number]>("tasks.charge").call(1));
  assert.equal("MessageGroupId" in (sqs.inputs.at(-1)?.input ?? {}), false);
});
