// What a call becomes before it is sent: destination, message, body, attributes and size, or a
// ValidationError naming the rule, for every priority and both topologies.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type App,
  type Call,
  FORMATS,
  LATEST_VERSION,
  MessageTooLarge,
  PRIORITIES,
  RULES,
  SNS_MAX_BYTES,
  SQS_MAX_BYTES,
  ValidationError,
  decode,
  deadLetterQueueName,
  prepareMessage,
  queueName,
  topicName,
} from "../src/wire.js";

const SQS: App = { queue: "dev-myapp", topology: "sqs" };
const SNS: App = { queue: "dev-myapp", topology: "sns" };
const CALL: Call = { task: "tasks.send_email", args: ["ada@example.com", "Welcome!"], kwargs: { from_email: "x@example.com" }, headers: { request_id: "r-1" } };
const SUFFIXES = { default: "", high: "-HIGH-PRIORITY", low: "-LOW-PRIORITY", bulk: "-BULK" };

test("every priority's queue and topic, as upstream names them, whatever the setting's case", () => {
  for (const priority of PRIORITIES) {
    assert.equal(queueName("Dev-MyApp", priority), `TASKHAWK-DEV-MYAPP${SUFFIXES[priority]}`);
    assert.equal(deadLetterQueueName("dev-myapp", priority), `TASKHAWK-DEV-MYAPP${SUFFIXES[priority]}-DLQ`);
    assert.equal(topicName("DEV-MYAPP", priority), `taskhawk-dev-myapp${SUFFIXES[priority].toLowerCase()}`);
    assert.deepEqual(prepareMessage({ ...CALL, priority }, SQS).destination, { transport: "sqs", queue: queueName("dev-myapp", priority) });
    assert.deepEqual(prepareMessage({ ...CALL, priority }, SNS).destination, { transport: "sns", topic: topicName("dev-myapp", priority) });
  }
});

test("a prepared message is the canonical form of the oldest format, decoding to the call", () => {
  const prepared = prepareMessage({ ...CALL, id: "7d1f4c57-7fd2-1b35-8aa1-000000000000", timestampMs: 1795831712266 }, SQS);
  assert.equal(
    prepared.body,
    '{"id":"7d1f4c57-7fd2-1b35-8aa1-000000000000","metadata":{"priority":"default","timestamp":1795831712266,"version":"1.0"},' +
      '"headers":{"request_id":"r-1"},"task":"tasks.send_email","args":["ada@example.com","Welcome!"],"kwargs":{"from_email":"x@example.com"}}',
  );
  assert.deepEqual(decode(prepared.body), prepared.message);
  assert.equal(FORMATS["1.0"].publish(prepared.message), undefined);
  assert.deepEqual(prepared.attributes, { taskhawk_task: "tasks.send_email", request_id: "r-1" });
  assert.equal(prepared.size, Buffer.byteLength(prepared.body) + "taskhawk_task".length + 6 + 16 + "request_id".length + 6 + 3);
});

test("generated ids are fresh version 4 UUIDs and the timestamp is the clock's", () => {
  const before = Date.now();
  const [first, second] = [prepareMessage(CALL, SQS), prepareMessage(CALL, SQS)];
  assert.notEqual(first.id, second.id);
  assert.match(first.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(first.message.metadata.timestamp >= before && first.message.metadata.timestamp <= Date.now());
  assert.equal(first.message.metadata.version, "1.0");
});

test("headers are attributes all or none: nine or fewer, or more", () => {
  const headers = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`h${i}`, `v${i}`]));
  assert.equal(Object.keys(prepareMessage({ ...CALL, headers: headers(9) }, SQS).attributes).length, 10);
  assert.deepEqual(prepareMessage({ ...CALL, headers: headers(10) }, SNS).attributes, { taskhawk_task: "tasks.send_email" });
  const proto = prepareMessage({ ...CALL, headers: JSON.parse('{"__proto__": "p", "constructor": "c"}') as { [name: string]: string } }, SQS);
  assert.deepEqual(Object.keys(proto.attributes), ["taskhawk_task", "__proto__", "constructor"]);
  assert.deepEqual(Object.keys(proto.message.headers), ["__proto__", "constructor"]);
});

function refused(call: Call, app: App = SQS): ValidationError {
  try {
    prepareMessage(call, app);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  assert.fail("the call was accepted");
}

test("refusals name the rule and nothing is prepared", () => {
  assert.equal(refused({ ...CALL, task: "" }).path, "$.task");
  assert.equal(refused({ ...CALL, task: "😀".repeat(257) }).path, "$.task");
  assert.ok(prepareMessage({ ...CALL, task: "😀".repeat(256) }, SQS));
  assert.equal(refused({ ...CALL, priority: "urgent" as "high" }).path, "$.metadata.priority");
  assert.equal(refused({ ...CALL, headers: { "taskhawk_x": "1" } }).path, "$.headers");
  assert.equal(refused({ ...CALL, headers: { ok: "" } }).path, "$.headers.ok");
  assert.equal(refused({ ...CALL, id: "0D3D8132-07CB-41EE-BCC3-840B8D5E77D6" }).path, "$.id");
  assert.equal(refused({ ...CALL, timestampMs: -1 }).path, "$.metadata.timestamp");
  assert.equal(refused({ ...CALL, args: [1, 2n ** 60n] }).path, "$.args[1]");
  assert.equal(refused({ ...CALL, kwargs: { when: new Date() } }).path, "$.kwargs.when");
  assert.equal(refused({ ...CALL, kwargs: { when: { [Symbol("at")]: 1 } } }).path, "$.kwargs.when");
  assert.equal(refused({ ...CALL, args: Object.assign([1], { [Symbol("n")]: 2 }) }).path, "$.args");
});

test("size limits count UTF-8 bytes of the body and attributes, per transport", () => {
  const sized = (text: string, app: App) => prepareMessage({ ...CALL, args: [text] }, app);
  const overhead = sized("", SQS).size;
  assert.equal(sized("x".repeat(SQS_MAX_BYTES - overhead), SQS).size, SQS_MAX_BYTES);
  const tooBig = (() => {
    try {
      sized("x".repeat(SQS_MAX_BYTES - overhead + 1), SQS);
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  assert.ok(tooBig instanceof MessageTooLarge && tooBig.limit === SQS_MAX_BYTES && tooBig.size === SQS_MAX_BYTES + 1);
  assert.ok(sized("x".repeat(SNS_MAX_BYTES - overhead), SNS));
  assert.throws(() => sized("x".repeat(SNS_MAX_BYTES - overhead + 1), SNS), /over the SNS limit of 262144 bytes/);
  assert.throws(() => sized("é".repeat(200_000), SQS), MessageTooLarge); // 1.2 MB escaped, fewer characters
});

test("the rules are named functions: a test can replace exactly one", () => {
  const fixed = prepareMessage(CALL, SQS, { ...RULES, newId: () => "00000000-0000-4000-8000-000000000000", now: () => 7 });
  assert.equal(fixed.id, "00000000-0000-4000-8000-000000000000");
  assert.equal(fixed.message.metadata.timestamp, 7);
  assert.equal(LATEST_VERSION, Object.keys(FORMATS).at(-1));
});

test("delays: up to 900 s the queue's DelaySeconds on a 1.0 message, beyond that metadata.eta", () => {
  const at = 1_800_000_000_000;
  const clock = { ...RULES, now: () => at };
  const queue = queueName("dev-myapp", "default");
  const short = prepareMessage({ ...CALL, delay: 60 }, SQS, clock);
  assert.equal(short.message.metadata.version, "1.0");
  assert.deepEqual(short.destination, { transport: "sqs", queue, delaySeconds: 60 });
  assert.deepEqual(prepareMessage({ ...CALL, delay: 0.2 }, SQS, clock).destination, { transport: "sqs", queue, delaySeconds: 1 });
  const long = prepareMessage({ ...CALL, delay: 3600 }, SQS, clock);
  assert.deepEqual(long.message.metadata, { priority: "default", timestamp: at, version: "1.1", eta: at + 3_600_000 });
  assert.deepEqual(long.destination, { transport: "sqs", queue, delaySeconds: 900 });
  assert.match(long.body, /"metadata":\{"priority":"default","timestamp":1800000000000,"version":"1.1","eta":1800003600000\}/);
  assert.deepEqual(decode(long.body).metadata, long.message.metadata);
  const at901 = prepareMessage({ ...CALL, delay: new Date(at + 901_000) }, SQS, clock);
  assert.equal((at901.message.metadata as { eta?: number }).eta, at + 901_000);
  const past = prepareMessage({ ...CALL, delay: new Date(at - 1) }, SQS, clock);
  assert.deepEqual([past.message.metadata.version, past.destination], ["1.0", { transport: "sqs", queue }]);
  assert.throws(() => prepareMessage({ ...CALL, delay: 5 }, SNS, clock), /cannot reach an SNS-triggered Lambda app/);
  assert.throws(() => prepareMessage({ ...CALL, delay: 5 }, { ...SNS, lambdaApp: true }, clock), /Lambda app/);
  assert.equal(prepareMessage({ ...CALL, delay: 0 }, SNS, clock).message.metadata.version, "1.0");
  // Queues subscribed to the topics: SNS cannot delay, so the consumer holds it back (eta).
  const queues = prepareMessage({ ...CALL, delay: 5 }, { ...SNS, lambdaApp: false }, clock);
  assert.deepEqual(queues.message.metadata, { priority: "default", timestamp: at, version: "1.1", eta: at + 5000 });
  assert.deepEqual(queues.destination, { transport: "sns", topic: "taskhawk-dev-myapp" });
});

test("expiry travels as metadata.expires in format 1.1, through SQS or SNS", () => {
  const at = 1_800_000_000_000;
  const clock = { ...RULES, now: () => at };
  const expiring = prepareMessage({ ...CALL, expires: 30 }, SNS, clock);
  assert.deepEqual(expiring.message.metadata, { priority: "default", timestamp: at, version: "1.1", expires: at + 30_000 });
  assert.deepEqual(expiring.destination, { transport: "sns", topic: "taskhawk-dev-myapp" });
  const both = prepareMessage({ ...CALL, delay: 1000, expires: new Date(at + 7_200_000) }, SQS, clock);
  assert.deepEqual(both.message.metadata, { priority: "default", timestamp: at, version: "1.1", eta: at + 1_000_000, expires: at + 7_200_000 });
  for (const bad of [-1, Number.NaN, Infinity, new Date(Number.NaN), "10" as unknown as number]) {
    assert.throws(() => prepareMessage({ ...CALL, expires: bad }, SQS, clock), { path: "$.metadata.expires" });
  }
});

test("a call needing a newer format than the app's consumers read is refused, naming it", () => {
  assert.throws(() => prepareMessage({ ...CALL, expires: 30 }, SQS, RULES, "1.0"), /needs format 1\.1, newer than 1\.0/);
  assert.throws(() => prepareMessage({ ...CALL, delay: 1000 }, SQS, RULES, "1.0"), /needs format 1\.1/);
  assert.equal(prepareMessage({ ...CALL, delay: 60 }, SQS, RULES, "1.0").message.metadata.version, "1.0");
  assert.throws(() => prepareMessage({ ...CALL, task: "" }, SQS, RULES, "1.0"), { path: "$.task" });
});
