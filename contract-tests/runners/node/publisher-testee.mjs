// Reference publisher testee for the Taskhawk contract suite (contract-tests/README.md,
// "Publisher testee protocol"), protocols 1 to 3: a thin wrapper around the generated
// TypeScript package (bindings/typescript, its `wire` entry point), which builds the message,
// its attributes and its destination exactly as its publisher does before sending. It reads one
// request line, answers one line, and only then reads the next.
//
//   python -m tools.conformance publisher -- node contract-tests/runners/node/publisher-testee.mjs

import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { LATEST_VERSION, RULES, ValidationError, prepareMessage, transportAttributes } from "../../../bindings/typescript/dist/src/wire.js";
import { fromInput } from "./case-values.mjs";

export const PROTOCOLS = [1, 2, 3];
const PROTOCOL_1_APP = { queue: "dev-myapp", topology: "sqs" }; // protocol 1 names no app

// The case's input as a call of the package: the stand-ins converted, given ids and times kept.
export function callOf(input) {
  return {
    task: input.task,
    args: fromInput(input.args),
    kwargs: fromInput(input.kwargs),
    headers: input.headers,
    priority: input.priority,
    ...("id" in input ? { id: input.id } : {}),
    ...("timestamp_ms" in input ? { timestampMs: input.timestamp_ms } : {}),
    // Schedules count from the message's timestamp; the package takes seconds from publishing.
    ...("delay_ms" in input ? { delay: input.delay_ms / 1000 } : {}),
    ...("expires_after_ms" in input ? { expires: input.expires_after_ms / 1000 } : {}),
    ...("group_id" in input ? { group: input.group_id } : {}),
    ...("deduplication_id" in input ? { deduplicationId: input.deduplication_id } : {}),
    ...("tenant" in input ? { tenant: input.tenant } : {}),
  };
}

// The case's app as the package's: protocol 2's `lambda` marks an SNS-triggered Lambda app,
// `fifo` and `content_based_deduplication` a FIFO app.
export function appOf(app) {
  return {
    queue: app.queue,
    topology: app.topology,
    lambdaApp: app.lambda === true,
    fifo: app.fifo === true,
    contentBasedDeduplication: app.content_based_deduplication === true,
  };
}

// A DelaySeconds and FIFO ids are reported wherever they were asked for, so that one asked of
// the wrong queue or topic is seen.
function destinationReply(destination) {
  const where = destination.transport === "sns" ? { transport: "sns", topic: destination.topic } : { transport: "sqs", queue: destination.queue };
  return {
    ...where,
    ...(destination.delaySeconds ? { delay_seconds: destination.delaySeconds } : {}),
    ...(destination.messageGroupId === undefined ? {} : { message_group_id: destination.messageGroupId }),
    ...(destination.messageDeduplicationId === undefined ? {} : { message_deduplication_id: destination.messageDeduplicationId }),
  };
}

// Protocol 3's trace context, [name, value] pairs in the propagator's order, as the package's
// publisher is given it by its span. A Map keeps the order and any name; names that JavaScript
// objects would sort first (integer-like) are not seen in real trace contexts.
export function traceContextOf(request) {
  return request.protocol >= 3 && Array.isArray(request.trace_context) ? Object.fromEntries(new Map(request.trace_context)) : {};
}

// `prepare(call, app, traceContext)` is the package's publish path minus the network;
// `attributes` turns its attributes into the SQS MessageAttributes shape. Both are replaceable
// for mutants.mjs.
export const TESTEE = {
  prepare: (call, app, traceContext) => prepareMessage(call, app, RULES, LATEST_VERSION, traceContext),
  attributes: transportAttributes,
  protocols: PROTOCOLS,
};

export function respond(request, testee = TESTEE) {
  if (!testee.protocols.includes(request.protocol)) return { id: request.id, error: `unsupported protocol ${request.protocol}` };
  let prepared;
  try {
    prepared = testee.prepare(callOf(request.input), request.protocol >= 2 ? appOf(request.app) : PROTOCOL_1_APP, traceContextOf(request));
  } catch (error) {
    if (error instanceof ValidationError) return { id: request.id, error: error.message };
    throw error;
  }
  const reply = { id: request.id, message_text: prepared.body, attributes: testee.attributes(prepared.attributes) };
  return request.protocol >= 2 ? { ...reply, destination: destinationReply(prepared.destination) } : reply;
}

// Lockstep: each reply is written before the next line is read.
export async function serve(testee = TESTEE) {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    process.stdout.write(`${JSON.stringify(respond(JSON.parse(line), testee))}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await serve();
