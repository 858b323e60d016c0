// Publishing tasks from Node for Python workers (docs/publishing-from-node.md shows this file,
// and the test suite runs it against a local endpoint and a real worker).
//
// The Python side defines the task:
//
//     @taskhawk.task
//     def send_email(to: str, subject: str, *, from_email: str = "noreply@example.com") -> None: ...
//
// The Node side declares it once, with its argument types, by the name the worker knows it by.

import { PublishError, createPublisher, defineTask } from "taskhawk";

const sendEmail = defineTask<[to: string, subject: string], { from_email?: string }>("tasks.send_email");

const publisher = createPublisher({
  queue: process.env["TASKHAWK_QUEUE"] ?? "DEV-MYAPP", // the app's TASKHAWK_QUEUE setting
  region: process.env["AWS_REGION"] ?? "us-east-1",
  endpoint: process.env["AWS_ENDPOINT_URL"], // a local endpoint in development; unset for AWS
});

try {
  const id = await publisher.publish(sendEmail.call("ada@example.com", "Welcome!"));
  console.log(`published ${id}`);
  // A batch: every call is checked before the first is sent, then they go ten at a time.
  const ids = await publisher.publishBatch([
    sendEmail.withPriority("high").withHeaders({ request_id: "req-1234" }).call("grace@example.com", "Your order"),
    sendEmail.callWith(["ada@example.com", "Your receipt"], { from_email: "billing@example.com" }),
  ]);
  for (const sent of ids) console.log(`published ${sent}`);
} catch (error) {
  if (error instanceof PublishError) {
    // notSent: safe to publish again; unknown: may have reached the queue, check first.
    console.error(`sent ${error.sent.length}, not sent ${error.notSent.size}, unknown ${error.unknown.size}`);
  }
  throw error;
} finally {
  publisher.close();
}
