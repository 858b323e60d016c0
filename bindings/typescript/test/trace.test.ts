// Publishes traced with OpenTelemetry: one PRODUCER span per publish, whose W3C context every
// message carries in its attributes (decision trace-context), as the Python library sends it.

import assert from "node:assert/strict";
import { after, beforeEach, test } from "node:test";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { type Destination, type Prepared, Publisher, type SendResult, defineTask, tracingAvailable, withTraceContext } from "../src/index.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
after(() => provider.shutdown());
beforeEach(() => exporter.reset());

const task = defineTask<[n: number]>("tasks.count");
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

class Recording {
  readonly sent: Prepared[] = [];
  constructor(private readonly lose = false) {}
  async send(_destination: Destination, messages: readonly Prepared[]): Promise<SendResult> {
    this.sent.push(...messages);
    const sent = this.lose ? [] : messages.map((m) => m.id);
    const unknown = new Map(this.lose ? messages.map((m) => [m.id, "timed out"] as const) : []);
    return { sent, notSent: new Map(), unknown };
  }
}

test("the API is found when installed", () => {
  assert.equal(tracingAvailable(), true);
});

test("one publish is one PRODUCER span whose context the message carries", async () => {
  const transport = new Recording();
  const publisher = new Publisher({ queue: "dev-myapp", transport });
  const [id] = await publisher.publishBatch([task.withHeaders({ request_id: "r-1" }).call(1)]);
  const [span] = exporter.getFinishedSpans();
  assert.ok(span);
  assert.equal(span.name, "send TASKHAWK-DEV-MYAPP");
  assert.equal(span.kind, 3); // SpanKind.PRODUCER
  assert.deepEqual(span.attributes, {
    "messaging.operation.type": "send",
    "messaging.operation.name": "send",
    "messaging.system": "aws_sqs",
    "messaging.destination.name": "TASKHAWK-DEV-MYAPP",
    "taskhawk.task": "tasks.count",
    "messaging.message.id": id,
    "taskhawk.priority": "default",
  });
  const [message] = transport.sent;
  assert.deepEqual(Object.keys(message?.attributes ?? {}), ["taskhawk_task", "request_id", "traceparent"]);
  const match = TRACEPARENT.exec(message?.attributes["traceparent"] ?? "");
  assert.deepEqual([match?.[1], match?.[2]], [span.spanContext().traceId, span.spanContext().spanId]);
  assert.equal(message?.body.includes("traceparent"), false); // never in the body
});

test("a batch over two topics is one span without a destination, every message carrying it", async () => {
  const transport = new Recording();
  const publisher = new Publisher({ queue: "dev-myapp", topology: "sns", accountId: "123456789012", transport });
  await publisher.publishBatch([task.call(1), task.withPriority("high").call(2), task.call(3)]);
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 1);
  assert.equal(spans[0]?.name, "send");
  assert.equal(spans[0]?.attributes["messaging.system"], "aws.sns");
  assert.equal(spans[0]?.attributes["messaging.batch.message_count"], 3);
  assert.equal(spans[0]?.attributes["messaging.destination.name"], undefined);
  const contexts = new Set(transport.sent.map((m) => m.attributes["traceparent"]));
  assert.equal(contexts.size, 1);
});

test("the span continues the caller's trace", async () => {
  const publisher = new Publisher({ queue: "dev-myapp", transport: new Recording() });
  const tracer = trace.getTracer("test");
  await tracer.startActiveSpan("request", async (parent) => {
    await publisher.publish(task.call(1));
    parent.end();
  });
  const [send, request] = exporter.getFinishedSpans();
  assert.equal(send?.spanContext().traceId, request?.spanContext().traceId);
  assert.equal(send?.parentSpanContext?.spanId, request?.spanContext().spanId);
});

test("messages not known to be sent make the span an error", async () => {
  const publisher = new Publisher({ queue: "dev-myapp", transport: new Recording(true) });
  await assert.rejects(publisher.publish(task.call(1)));
  const [span] = exporter.getFinishedSpans();
  assert.equal(span?.status.code, 2); // SpanStatusCode.ERROR
  assert.equal(span?.attributes["taskhawk.publish.failed"], 1);
});

test("tracing off: no span and no context in the attributes", async () => {
  const transport = new Recording();
  await new Publisher({ queue: "dev-myapp", transport, tracing: false }).publish(task.call(1));
  assert.equal(exporter.getFinishedSpans().length, 0);
  assert.deepEqual(Object.keys(transport.sent[0]?.attributes ?? {}), ["taskhawk_task"]);
});

test("the context fills what the headers leave of ten attributes, in the propagator's order", () => {
  const context = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: "a=1", baggage: "k=v" };
  const headers = (n: number) => Array.from({ length: n }, (_, i) => [`h${i}`, "v"] as const);
  const names = (n: number) => withTraceContext([["taskhawk_task", "t"], ...headers(n)], context).map(([name]) => name).slice(n + 1);
  assert.deepEqual(names(6), ["traceparent", "tracestate", "baggage"]);
  assert.deepEqual(names(7), ["traceparent", "tracestate"]);
  assert.deepEqual(names(9), []);
  // A header of the same name wins; entries SQS would refuse are left out.
  assert.deepEqual(withTraceContext([["taskhawk_task", "t"], ["traceparent", "mine"]], context), [["taskhawk_task", "t"], ["traceparent", "mine"], ["tracestate", "a=1"], ["baggage", "k=v"]]);
  assert.deepEqual(withTraceContext([], { "AWS.trace": "x", "bad name": "x", ok: "\u0001", __proto__x: "" }), []);
});
