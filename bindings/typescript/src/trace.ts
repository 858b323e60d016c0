// OpenTelemetry for publishes, optional. With `@opentelemetry/api` installed (an optional peer
// dependency) each publish is one PRODUCER span, `send <destination>`, following the messaging
// semantic conventions, and its trace context travels in every message's attributes (decision
// trace-context), exactly as the Python library sends it: a Python worker continues the trace.
// Without the package nothing is loaded; without a registered SDK the API's spans are no-ops and
// only a context already active is passed on.

import { createRequire } from "node:module";
import type { Attributes, Span, Tracer } from "@opentelemetry/api";
import type { Destination, Headers, Prepared } from "./generated/index.js";

type Api = typeof import("@opentelemetry/api");

const OPTIONAL = "@opentelemetry/api";

// Loaded once, at import, synchronously: a top-level `await import()` would make this package
// an async module, which CommonJS cannot `require`. The API keeps its state (provider,
// propagator, context manager) in one global, so its CommonJS build loaded here and the ESM
// build an application imports are the same API.
const api: Api | undefined = loadOptional();

/** The API, or undefined when it is not installed: the common case, not an error. */
function loadOptional(): Api | undefined {
  try {
    return createRequire(import.meta.url)(OPTIONAL) as Api;
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code === "MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${OPTIONAL}'`)) return undefined;
    throw error; // installed but broken: say so, rather than silently not tracing
  }
}

/** messaging.system values, as OpenTelemetry's semantic conventions and the Python library name them. */
const SYSTEMS = { sqs: "aws_sqs", sns: "aws.sns" } as const;
const SCOPE = "taskhawk";

/** What one publish tells its span: the messages prepared, and what became of them. */
export interface SendObservation {
  /** The trace context to put in each message's attributes. */
  readonly traceContext: Headers;
  prepared(messages: readonly Prepared[]): void;
  /** How many messages are not known to be sent, when the publish ended. */
  finished(failed: number): void;
}

/** Whether OpenTelemetry's API is installed, so that publishes can be traced. */
export function tracingAvailable(): boolean {
  return api !== undefined;
}

/**
 * Run `publish` inside a PRODUCER span when `enabled` and the API is installed; `destinations`
 * (where the publish goes, for the span's name) is only computed then.
 */
export async function tracedSend<T>(enabled: boolean, destinations: () => readonly Destination[], publish: (observation: SendObservation) => Promise<T>): Promise<T> {
  if (!enabled || api === undefined) return publish(UNTRACED);
  return traced(api, destinations(), publish);
}

async function traced<T>(otel: Api, destinations: readonly Destination[], publish: (observation: SendObservation) => Promise<T>): Promise<T> {
  const tracer: Tracer = otel.trace.getTracer(SCOPE);
  const only = destinations.length === 1 ? destinations[0] : undefined;
  const name = only === undefined ? "send" : `send ${destinationName(only)}`;
  return tracer.startActiveSpan(name, { kind: otel.SpanKind.PRODUCER, attributes: sendAttributes(destinations) }, async (span) => {
    const carrier: { [name: string]: string } = {};
    otel.propagation.inject(otel.context.active(), carrier);
    const observation = new SpanObservation(otel, span, carrier);
    try {
      return await publish(observation);
    } catch (error) {
      observation.failed(error);
      throw error;
    } finally {
      span.end();
    }
  });
}

const UNTRACED: SendObservation = { traceContext: {}, prepared: () => undefined, finished: () => undefined };

class SpanObservation implements SendObservation {
  constructor(
    private readonly otel: Api,
    private readonly span: Span,
    readonly traceContext: Headers,
  ) {}

  prepared(messages: readonly Prepared[]): void {
    if (!this.span.isRecording()) return;
    const tasks = new Set(messages.map((message) => message.message.task));
    const [first] = messages;
    const attributes: Attributes = {};
    if (tasks.size === 1) attributes["taskhawk.task"] = [...tasks][0] ?? "";
    if (messages.length === 1 && first !== undefined) {
      attributes["messaging.message.id"] = first.id;
      attributes["taskhawk.priority"] = first.message.metadata.priority;
    } else {
      attributes["messaging.batch.message_count"] = messages.length;
    }
    this.span.setAttributes(attributes);
  }

  finished(failed: number): void {
    if (failed === 0) return;
    this.span.setAttribute("taskhawk.publish.failed", failed);
    this.span.setStatus({ code: this.otel.SpanStatusCode.ERROR, message: `${failed} of the messages not known to be sent` });
  }

  /** The publish threw: a ValidationError (nothing sent) or a PublishError. */
  failed(error: unknown): void {
    if (error instanceof Error) {
      this.span.recordException(error);
      this.span.setStatus({ code: this.otel.SpanStatusCode.ERROR, message: `${error.name}: ${error.message}` });
    } else {
      this.span.setStatus({ code: this.otel.SpanStatusCode.ERROR, message: String(error) });
    }
  }
}

function destinationName(destination: Destination): string {
  return destination.transport === "sns" ? destination.topic : destination.queue;
}

function sendAttributes(destinations: readonly Destination[]): Attributes {
  const attributes: Attributes = { "messaging.operation.type": "send", "messaging.operation.name": "send" };
  const systems = new Set(destinations.map((destination) => SYSTEMS[destination.transport]));
  if (systems.size === 1) attributes["messaging.system"] = [...systems][0] ?? "";
  const [only] = destinations;
  if (destinations.length === 1 && only !== undefined) attributes["messaging.destination.name"] = destinationName(only);
  return attributes;
}
