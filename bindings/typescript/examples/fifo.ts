// Each customer's billing events in order, customers side by side: publishing from Node to a
// FIFO app (docs/publishing-from-node.md shows this file, and the test suite runs it against a
// local endpoint and a real worker).
//
// The Python side is a FIFO app (TASKHAWK_FIFO = True) with the task
//
//     @taskhawk.task(name="billing.apply_event")
//     def apply_event(customer: str, event: str) -> None: ...

import { createPublisher, defineTask } from "taskhawk";

const applyEvent = defineTask<[customer: string, event: string]>("billing.apply_event");

const publisher = createPublisher({
  queue: process.env["TASKHAWK_QUEUE"] ?? "DEV-MYAPP", // the app's TASKHAWK_QUEUE setting
  fifo: true, // its queues are FIFO: TASKHAWK-DEV-MYAPP.fifo
  region: process.env["AWS_REGION"] ?? "us-east-1",
  endpoint: process.env["AWS_ENDPOINT_URL"], // a local endpoint in development; unset for AWS
});

try {
  // One message group per customer: a customer's events run one at a time, in this order.
  const events = ["opened", "charged", "refunded"];
  const calls = events.flatMap((event) => ["ada", "bob"].map((customer) => applyEvent.withGroup(customer).call(customer, event)));
  const ids = await publisher.publishBatch(calls);
  // A publish retried with the same deduplication id (within five minutes) is one message.
  const closing = applyEvent.withGroup("ada").withDeduplicationId("ada-closed");
  ids.push(await publisher.publish(closing.call("ada", "closed")));
  ids.push(await publisher.publish(closing.call("ada", "closed")));
  for (const id of ids) console.log(`published ${id}`);
} finally {
  publisher.close();
}
