// taskhawk for Node: publish tasks that Python workers (and Lambda functions) run.
//
//   const sendEmail = defineTask<[to: string, subject: string]>("tasks.send_email");
//   const publisher = createPublisher({ queue: "dev-myapp", region: "us-east-1" });
//   await publisher.publish(sendEmail.call("ada@example.com", "Welcome!"));
//
// The wire format's types, validators and rules are generated from taskhawk's schema
// (src/generated/, also the `taskhawk/wire` entry point); this runtime adds the sending.

export * from "./generated/index.js";
export { PublishError } from "./errors.js";
export { Publisher, type PublisherOptions, createPublisher } from "./publisher.js";
export { type OffloadOptions, type PayloadStore, S3PayloadStore, parsePointer, pointerBody } from "./offload.js";
export { AwsTransport, type SendResult, type Transport } from "./send.js";
export { type JsonArgument, type KeywordArguments, type NeedsCallWith, type Positional, type PositionalArguments, type Sendable, TaskDefinition, type TaskOptions, defineTask } from "./tasks.js";
export { tracingAvailable } from "./trace.js";
