// A Node program publishing one large call with the TypeScript package, offloaded to S3. It reads
// one JSON plan on stdin: {"endpoint", "region", "accountId", "accessKeyId", "secretAccessKey",
// "queue", "bucket", "token", "size"}, publishes it.measure("n" * size, token), and prints the
// message id as JSON.

import { text } from "node:stream/consumers";
import { createPublisher, defineTask } from "../../bindings/typescript/dist/src/index.js";

const plan = JSON.parse(await text(process.stdin));
const measure = defineTask("it.measure");
const publisher = createPublisher({
  queue: plan.queue,
  region: plan.region,
  accountId: plan.accountId,
  endpoint: plan.endpoint,
  credentials: { accessKeyId: plan.accessKeyId, secretAccessKey: plan.secretAccessKey },
  largePayloads: { bucket: plan.bucket },
});
try {
  const id = await publisher.publish(measure.call("n".repeat(plan.size), plan.token));
  process.stdout.write(`${JSON.stringify(id)}\n`);
} finally {
  publisher.close();
}
