// A Node program publishing with the TypeScript package (bindings/typescript), as a Node service
// would, over HTTP to the endpoint it is given. It reads one JSON plan on stdin:
//   {"endpoint", "region", "accountId", "accessKeyId", "secretAccessKey", "queue", "topology",
//    "steps": [{"batch": bool, "calls": [{"token", "values", "label", "priority", "headers",
//                                          "delay"?, "expires"? (seconds from now)}]}]}
// publishes each step (one call with publish, or all with publishBatch), and prints one JSON
// line: the message ids of each step.

import { text } from "node:stream/consumers";
import { createPublisher, defineTask } from "../../bindings/typescript/dist/src/index.js";

const plan = JSON.parse(await text(process.stdin));
const nodeCall = defineTask("it.node_call");
const publisher = createPublisher({
  queue: plan.queue,
  topology: plan.topology,
  region: plan.region,
  accountId: plan.accountId,
  endpoint: plan.endpoint,
  credentials: { accessKeyId: plan.accessKeyId, secretAccessKey: plan.secretAccessKey },
});
const ids = [];
try {
  for (const step of plan.steps) {
    const calls = step.calls.map((call) => {
      let task = nodeCall.withPriority(call.priority).withHeaders(call.headers);
      if (call.delay !== undefined) task = task.withDelay(call.delay);
      if (call.expires !== undefined) task = task.withExpires(call.expires);
      return task.callWith([call.token, call.values], { label: call.label });
    });
    ids.push(step.batch ? await publisher.publishBatch(calls) : [await publisher.publish(calls[0])]);
  }
} finally {
  publisher.close();
}
process.stdout.write(`${JSON.stringify(ids)}\n`);
