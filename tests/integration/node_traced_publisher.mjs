// A Node program that traces with OpenTelemetry's SDK and publishes one `it.traced` task with
// the TypeScript package (bindings/typescript). It reads one JSON plan on stdin:
//   {"endpoint", "region", "accessKeyId", "secretAccessKey", "queue", "token"}
// and prints one JSON line: the message id and the trace and span ids of its publish span.

import { createRequire } from "node:module";
import { text } from "node:stream/consumers";
import { pathToFileURL } from "node:url";
import { createPublisher, defineTask } from "../../bindings/typescript/dist/src/index.js";

// The SDK packages are the TypeScript package's development dependencies.
const fromPackage = createRequire(new URL("../../bindings/typescript/package.json", import.meta.url));
const load = (name) => import(pathToFileURL(fromPackage.resolve(name)).href);
const { context, propagation, trace } = await load("@opentelemetry/api");
const { AsyncLocalStorageContextManager } = await load("@opentelemetry/context-async-hooks");
const { W3CTraceContextPropagator } = await load("@opentelemetry/core");
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await load("@opentelemetry/sdk-trace-base");

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);

const plan = JSON.parse(await text(process.stdin));
const publisher = createPublisher({
  queue: plan.queue,
  region: plan.region,
  endpoint: plan.endpoint,
  credentials: { accessKeyId: plan.accessKeyId, secretAccessKey: plan.secretAccessKey },
});
try {
  const messageId = await publisher.publish(defineTask("it.traced").call(plan.token));
  const [send] = exporter.getFinishedSpans();
  const { traceId, spanId } = send.spanContext();
  process.stdout.write(`${JSON.stringify({ message_id: messageId, trace_id: traceId, span_id: spanId, name: send.name })}\n`);
} finally {
  publisher.close();
  await provider.shutdown();
}
