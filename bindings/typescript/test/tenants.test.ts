// Fair queues: a call's tenant is its message group on a standard queue or topic (SQS fair
// queues), the FIFO group on a FIFO app, as taskhawk/ordering.py decides; a default tenant
// comes from the header the publisher names.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type Destination, type Prepared, Publisher, type SendResult, ValidationError, defineTask } from "../src/index.js";
import { type App, type Call, prepareMessage } from "../src/wire.js";

const STANDARD: App = { queue: "dev-myapp", topology: "sqs" };
const CALL: Call = { task: "tasks.export", args: [1], id: "5b1f0001-3c2d-4e8f-9a0b-000000000001" };

test("a tenant is the message group of a standard queue and topic, and no deduplication id", () => {
  assert.deepEqual(prepareMessage({ ...CALL, tenant: "acme" }, STANDARD).destination, { transport: "sqs", queue: "TASKHAWK-DEV-MYAPP", messageGroupId: "acme" });
  const sns = prepareMessage({ ...CALL, tenant: "acme", priority: "high" }, { queue: "dev-myapp", topology: "sns", lambdaApp: false });
  assert.deepEqual(sns.destination, { transport: "sns", topic: "taskhawk-dev-myapp-high-priority", messageGroupId: "acme" });
  assert.deepEqual(prepareMessage(CALL, STANDARD).destination, { transport: "sqs", queue: "TASKHAWK-DEV-MYAPP" });
});

test("on a FIFO app the tenant is the group; a different group is refused", () => {
  const fifo: App = { ...STANDARD, fifo: true };
  assert.deepEqual(prepareMessage({ ...CALL, tenant: "acme" }, fifo).destination, {
    transport: "sqs", queue: "TASKHAWK-DEV-MYAPP.fifo", messageGroupId: "acme", messageDeduplicationId: CALL.id,
  });
  assert.equal(prepareMessage({ ...CALL, tenant: "acme", group: "acme" }, fifo).destination.messageGroupId, "acme");
  assert.throws(() => prepareMessage({ ...CALL, tenant: "acme", group: "globex" }, fifo), /disagree/);
  assert.throws(() => prepareMessage({ ...CALL, tenant: "a b" }, STANDARD), (error: unknown) => error instanceof ValidationError && /^MessageGroupId: a tenant is 1-128/.test(error.message));
});

class Recording {
  readonly groups: (string | undefined)[] = [];
  async send(_destination: Destination, messages: readonly Prepared[]): Promise<SendResult> {
    this.groups.push(...messages.map((message) => message.destination.messageGroupId));
    return { sent: messages.map((message) => message.id), notSent: new Map(), unknown: new Map() };
  }
}

test("withTenant rides on the call, and the default tenant comes from the named header", async () => {
  const exportRows = defineTask<[n: number]>("tasks.export");
  assert.deepEqual(exportRows.withTenant("acme").call(1), { task: "tasks.export", args: [1], kwargs: {}, tenant: "acme" });
  assert.throws(() => exportRows.withTenant(""), ValidationError);
  const transport = new Recording();
  const publisher = new Publisher({ queue: "dev-myapp", transport, defaultTenantHeader: "customer" });
  await publisher.publishBatch([
    exportRows.withTenant("acme").call(1),
    exportRows.withHeaders({ customer: "globex" }).call(2),
    exportRows.withHeaders({ customer: "globex" }).withTenant("acme").call(3),
    exportRows.call(4),
  ]);
  assert.deepEqual(transport.groups, ["acme", "globex", "acme", undefined]);
});
