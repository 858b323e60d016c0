// Large payloads through S3 (taskhawk/offload.py decides the same in Python): over the limit,
// the body goes to the store and the message is the extended clients' pointer; an S3 failure
// sends nothing.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type Destination, type Prepared, PublishError, Publisher, type SendResult, defineTask, parsePointer } from "../src/index.js";

const big = defineTask<[text: string]>("tasks.big");

class Recording {
  readonly sent: { destination: Destination; messages: Prepared[] }[] = [];
  async send(destination: Destination, messages: readonly Prepared[]): Promise<SendResult> {
    this.sent.push({ destination, messages: [...messages] });
    return { sent: messages.map((m) => m.id), notSent: new Map(), unknown: new Map() };
  }
}

class Store {
  readonly objects = new Map<string, string>();
  fail = false;
  async put(bucket: string, key: string, body: string): Promise<void> {
    if (this.fail) throw new Error("S3 is down");
    this.objects.set(`${bucket}/${key}`, body);
  }
}

test("a message over the limit goes to S3 and the queue gets the pointer with its size", async () => {
  const transport = new Recording();
  const payloadStore = new Store();
  const publisher = new Publisher({ queue: "dev-myapp", transport, payloadStore, largePayloads: { bucket: "b" } });
  const [id] = await publisher.publishBatch([big.call("x".repeat(2_000_000)), big.call("small")]);
  const [pointer, small] = transport.sent.flatMap((s) => s.messages);
  assert.deepEqual(JSON.parse(pointer?.body ?? ""), ["software.amazon.payloadoffloading.PayloadS3Pointer", { s3BucketName: "b", s3Key: id }]);
  assert.deepEqual(parsePointer(pointer?.body ?? ""), { bucket: "b", key: id });
  const payload = payloadStore.objects.get(`b/${id}`) ?? "";
  assert.equal(pointer?.attributes.ExtendedPayloadSize, String(Buffer.byteLength(payload)));
  assert.equal(JSON.parse(payload).args[0].length, 2_000_000);
  assert.equal(parsePointer(small?.body ?? ""), undefined);
  assert.equal(transport.sent.length, 1); // pointers, not payloads, count against the request limit
});

test("always and a threshold offload small messages; without a bucket a large one is refused", async () => {
  const transport = new Recording();
  const payloadStore = new Store();
  const always = new Publisher({ queue: "dev-myapp", transport, payloadStore, largePayloads: { bucket: "b", always: true } });
  await always.publish(big.call("tiny"));
  const threshold = new Publisher({ queue: "dev-myapp", transport, payloadStore, largePayloads: { bucket: "b", threshold: 1000 } });
  await threshold.publishBatch([big.call("y".repeat(500)), big.call("y".repeat(1500))]);
  assert.deepEqual(transport.sent.flatMap((s) => s.messages).map((m) => parsePointer(m.body) !== undefined), [true, false, true]);
  const plain = new Publisher({ queue: "dev-myapp", transport });
  await assert.rejects(plain.publish(big.call("x".repeat(2_000_000))), { name: "MessageTooLarge" });
});

test("an S3 failure sends nothing and says so", async () => {
  const transport = new Recording();
  const payloadStore = new Store();
  payloadStore.fail = true;
  const publisher = new Publisher({ queue: "dev-myapp", transport, payloadStore, largePayloads: { bucket: "b" } });
  const error = await publisher.publishBatch([big.call("small"), big.call("x".repeat(2_000_000))]).catch((caught: unknown) => caught);
  assert.ok(error instanceof PublishError);
  assert.equal(error.notSent.size, 2);
  assert.match(error.message, /not stored in S3, nothing sent: Error: S3 is down/);
  assert.equal(transport.sent.length, 0);
});
