// Wrong publishers: the reference testee (the generated TypeScript package) with exactly one
// rule broken each, one mutant per defect a real publisher has been seen to have (or could easily
// have). The publisher suite must fail every one of them, with a failure line naming the defect:
// `python -m tools.conformance mutants` runs them all (part of `make contract`) and fails when
// any passes. A mutant replaces one of the package's RULES, wraps its publish path, or changes
// the attributes the testee reports.
//
//   node contract-tests/runners/node/mutants.mjs --list    one JSON line per mutant
//   node contract-tests/runners/node/mutants.mjs NAME      serve as that mutant (a testee)

import { LATEST_VERSION, RULES, TASK_ATTRIBUTE, ValidationError, jsonText, parseStrict, prepareMessage as packagePrepare, transportSize, withTraceContext } from "../../../bindings/typescript/dist/src/wire.js";
import { TESTEE, serve } from "./publisher-testee.mjs";

const looksNumeric = (text) => /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text);
let lastGivenId = "0d3d8132-07cb-41ee-bcc3-840b8d5e77d6";
let onceId;

// The package's publish path; the trace context a request carries goes through every mutant.
const prepareMessage = (call, app, rules, traceContext) => packagePrepare(call, app, rules, LATEST_VERSION, traceContext);

// The testee with some of RULES replaced.
const rules = (broken) => ({ prepare: (call, app, trace) => prepareMessage(call, app, { ...RULES, ...broken }, trace) });
// The testee with the call changed, or checked more strictly, before the package sees it.
const before = (change) => ({ prepare: (call, app, trace) => prepareMessage(change(call), app, RULES, trace) });
const refuse = (path, reason) => {
  throw new ValidationError(path, reason);
};
// The testee with the destination changed after the package chose it.
const destination = (change) => rules({ destination: (app, priority) => change(RULES.destination(app, priority), app) });

// The testee with the package's prepared message changed afterwards.
const after = (change) => ({ prepare: (call, app, trace) => change(prepareMessage(call, app, RULES, trace), call) });
const withMetadata = (body, fields) => {
  const { value } = parseStrict(body);
  return jsonText({ ...value, metadata: { ...value.metadata, ...fields } });
};
const withoutDelay = ({ delaySeconds, ...destination }) => destination;
const withoutGroup = ({ messageGroupId, ...ids }) => ids;
// FIFO ids checked as valid stand-ins, then the call's own put back: no character or length check.
const unchecked = (request, app, messageId) => {
  const ids = RULES.fifoIds({ group: request.group === undefined ? undefined : "g", deduplicationId: request.deduplicationId === undefined ? undefined : "d" }, app, messageId);
  return {
    ...ids,
    ...(ids.messageGroupId === undefined ? {} : { messageGroupId: request.group }),
    ...(request.deduplicationId === undefined ? {} : { messageDeduplicationId: request.deduplicationId }),
  };
};

// The testee with the package's prepared message changed afterwards, knowing the trace context.
const traced = (change) => ({ prepare: (call, app, trace = {}) => change(prepareMessage(call, app, RULES, trace), call, trace) });
// Whether SQS takes an entry as an attribute (the package's own check, through its public rule).
const acceptable = ([name, value]) => withTraceContext([], { [name]: value }).length === 1;
const withAttributes = (prepared, entries) => ({ ...prepared, attributes: Object.fromEntries(entries) });
// A delay in float seconds added to a timestamp in float seconds, then back to milliseconds.
const inFloatSeconds = (timestamp, seconds) => Math.trunc((timestamp / 1000 + seconds) * 1000);
const halfToEven = (seconds) => (Math.abs(seconds % 1) === 0.5 ? 2 * Math.round(seconds / 2) : Math.round(seconds));
const headerEntries = (prepared) => Object.entries(prepared.attributes).filter(([name]) => name === TASK_ATTRIBUTE || Object.hasOwn(prepared.message.headers, name));

// name: [the defect, text a failure line must contain to show it was caught, the broken testee]
const MUTANTS = {
  "high-priority-queue-name": ["sends high-priority tasks to TASKHAWK-APP-HIGH", "destination: sqs queue",
    destination((found) => (found.transport === "sqs" ? { ...found, queue: found.queue.replace("-HIGH-PRIORITY", "-HIGH") } : found))],
  "topic-name-case-kept": ["keeps the queue setting's case in topic names (taskhawk-DEV-MYAPP)", "destination: sns topic",
    destination((found, app) => (found.transport === "sns" ? { ...found, topic: found.topic.replace(app.queue.toLowerCase(), app.queue) } : found))],
  "sends-to-dead-letter-queue": ["sends to the priority's dead-letter queue", "destination: sqs queue",
    destination((found) => (found.transport === "sqs" ? { ...found, queue: `${found.queue}-DLQ` } : found))],
  "ignores-topology": ["sends Lambda apps' tasks to SQS queues instead of SNS topics", "destination: sqs queue",
    rules({ destination: (app, priority) => RULES.destination({ ...app, topology: "sqs" }, priority) })],
  "sets-delay-seconds": ["delays every SQS message by 5 seconds", "DelaySeconds",
    destination((found) => (found.transport === "sqs" ? { ...found, delaySeconds: 5 } : found))],
  "ignores-protocol": ["answers any protocol version as if it were its own", "without an error", { protocols: [1, 2, 3, 4, 5] }],
  "reuses-generated-id": ["makes one id and uses it for every message", "already generated",
    rules({ newId: () => (onceId ??= RULES.newId()) })],
  "reuses-given-id": ["uses the last id it was given when asked for a new one", "one the harness gave", {
    prepare(call, app, trace) {
      if (call.id !== undefined) lastGivenId = call.id;
      return prepareMessage(call, app, { ...RULES, newId: () => lastGivenId }, trace);
    },
  }],
  "clock-in-seconds": ["writes the timestamp in seconds", "generated timestamp", rules({ now: () => Math.floor(Date.now() / 1000) })],
  "refuses-non-v4-ids": ["refuses ids that are not version 4 UUIDs", "refused the input",
    before((call) => (call.id !== undefined && call.id[14] !== "4" ? refuse("$.id", "not a version 4 UUID") : call))],
  "lower-cases-task-names": ["lower-cases task names", "$.task", before((call) => ({ ...call, task: call.task.toLowerCase() }))],
  "task-length-in-utf8-bytes": ["counts the 256-character task limit in UTF-8 bytes", "refused the input",
    before((call) => (Buffer.byteLength(call.task, "utf8") > 256 ? refuse("$.task", "over 256") : call))],
  "task-length-in-utf16-units": ["counts the 256-character task limit in UTF-16 units", "refused the input",
    before((call) => (call.task.length > 256 ? refuse("$.task", "over 256") : call))],
  "first-nine-headers-by-sorted-name": ["copies the first nine headers by sorted name to attributes", "must not be attributes",
    rules({ headerAttributes: (headers) => Object.keys(headers).sort().slice(0, 9) })],
  "first-nine-headers-in-order": ["copies the first nine headers in input order to attributes", "must not be attributes",
    rules({ headerAttributes: (headers) => Object.keys(headers).slice(0, 9) })],
  "numeric-header-values-as-numbers": ['writes header "3" as the JSON number 3 in the body', "$.headers.retries", {
    prepare(call, app, trace) {
      const prepared = prepareMessage(call, app, RULES, trace);
      const { value } = parseStrict(prepared.body);
      const headers = Object.fromEntries(Object.entries(value.headers).map(([k, v]) => [k, looksNumeric(v) ? Number(v) : v]));
      return { ...prepared, body: jsonText({ ...value, headers }) };
    },
  }],
  "number-attribute-data-type": ['sends header "3" as an attribute of DataType Number', "DataType 'Number'", {
    attributes: (attributes) => Object.fromEntries(Object.entries(TESTEE.attributes(attributes)).map(([name, attribute]) =>
      [name, { ...attribute, DataType: looksNumeric(attribute.StringValue) ? "Number" : "String" }])),
  }],
  "drops-proto-header": ["builds attributes by assignment, so __proto__ sets the prototype", "'__proto__' is missing", {
    attributes(attributes) {
      const copy = {};
      for (const [name, attribute] of Object.entries(TESTEE.attributes(attributes))) copy[name] = attribute; // the prototype bug
      return copy;
    },
  }],
  "refuses-big-whole-floats": ["refuses 1e20 and 9007199254740992.0 as unsafe integers", "refused the input", rules({
    checkNumber(value, path) {
      RULES.checkNumber(value, path);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) refuse(path, "unsafe integer");
    },
  })],
  "writes-big-floats-as-integers": ["writes 1e20 as the integer 100000000000000000000", "the taskhawk consumer refuses it",
    rules({ numberText: (value) => JSON.stringify(value) })],
  "no-size-limit": ["publishes bodies over the transport's limit", "decision size-limits", rules({ sizeLimit: () => Infinity })],
  "sns-size-limit-ignored": ["applies SQS's 1 MiB limit to SNS as well", "decision size-limits", rules({ sizeLimit: () => 1_048_576 })],
  // Counting characters is only wrong for non-ASCII text, which the package escapes: this mutant
  // writes raw UTF-8, as JSON.stringify does, and counts its UTF-16 units.
  "size-in-characters": ["writes raw UTF-8 and measures the size limit in UTF-16 units instead of UTF-8 bytes", "decision size-limits",
    rules({ stringText: (text) => JSON.stringify(text), messageSize: (body) => body.length })],
  "accepts-lone-surrogates": ["publishes strings with unpaired surrogates", "decision unicode-text", rules({ checkText: () => undefined })],
  "newest-format-always": ["writes every message as 1.1, even one 1.0 can carry", "$.metadata.version",
    after((prepared) => ({ ...prepared, body: withMetadata(prepared.body, { version: "1.1" }) }))],
  "short-delay-as-eta": ["sends a 10-minute delay as eta instead of DelaySeconds", "publish-0088-ten-minute-delay",
    after((prepared, call) => {
      const { metadata } = parseStrict(prepared.body).value;
      if (call.delay === undefined || "eta" in metadata) return prepared;
      return { ...prepared, body: withMetadata(prepared.body, { version: "1.1", eta: metadata.timestamp + call.delay * 1000 }) };
    })],
  "long-delay-without-delay-seconds": ["sends a two-hour delay as eta alone, without DelaySeconds 900", "DelaySeconds 0, expected 900",
    after((prepared) => ("eta" in parseStrict(prepared.body).value.metadata ? { ...prepared, destination: withoutDelay(prepared.destination) } : prepared))],
  "delay-rounded-down": ["rounds a 1.5-second delay down to DelaySeconds 1 (early)", "DelaySeconds 1, expected 2",
    after((prepared, call) => {
      const early = prepared.destination.delaySeconds && !("eta" in parseStrict(prepared.body).value.metadata);
      return early ? { ...prepared, destination: { ...prepared.destination, delaySeconds: Math.floor(call.delay) } } : prepared;
    })],
  "delays-lambda-apps": ["publishes a delayed task to an SNS-triggered Lambda app", "the input must be refused",
    { prepare: (call, app, trace) => prepareMessage(call, { ...app, lambdaApp: false }, RULES, trace) }],
  "delay-seconds-through-sns": ["asks SNS for DelaySeconds, which it cannot do", "not allowed for sns", {
    prepare(call, app, trace) {
      if (app.topology !== "sns") return prepareMessage(call, app, RULES, trace);
      const asQueue = prepareMessage(call, { ...app, topology: "sqs" }, RULES, trace);
      const topic = RULES.destination(app, call.priority ?? "default");
      return { ...asQueue, destination: { ...topic, delaySeconds: asQueue.destination.delaySeconds } };
    },
  }],
  "delay-rounded-to-nearest": ["rounds a delay to the nearest second (0.2 s is no delay, 1.4 s is 1)", "DelaySeconds 0, expected 1",
    before((call) => (typeof call.delay === "number" ? { ...call, delay: Math.round(call.delay) } : call))],
  "delay-rounded-half-to-even": ["rounds a delay as Python's round() does (2.5 s is 2)", "DelaySeconds 2, expected 3",
    before((call) => (typeof call.delay === "number" ? { ...call, delay: halfToEven(call.delay) } : call))],
  "eta-in-float-seconds": ["computes eta as float seconds since the epoch (one millisecond short at some moments)", "$.metadata.eta: expected",
    after((prepared, call) => {
      const { metadata } = parseStrict(prepared.body).value;
      return "eta" in metadata ? { ...prepared, body: withMetadata(prepared.body, { eta: inFloatSeconds(metadata.timestamp, call.delay) }) } : prepared;
    })],
  "expires-in-float-seconds": ["computes expires as float seconds since the epoch (one millisecond short at some moments)", "$.metadata.expires: expected",
    after((prepared, call) => {
      const { metadata } = parseStrict(prepared.body).value;
      return "expires" in metadata ? { ...prepared, body: withMetadata(prepared.body, { expires: inFloatSeconds(metadata.timestamp, call.expires) }) } : prepared;
    })],
  "size-of-body-only": ["measures the size limit on the body alone, without the attributes", "one-byte-over-the-limit: published a message",
    rules({ messageSize: (body) => Buffer.byteLength(body, "utf8") })],
  "size-without-data-type": ["counts each attribute's name and value but not its data type (String)", "one-byte-over-the-limit: published a message",
    rules({ messageSize: (body, attributes) => transportSize(body, attributes) - 6 * Object.keys(attributes).length })],
  "size-limit-hundreds-over": ["takes a limit a few hundred bytes over the transport's (1,048,876 for SQS)", "one-byte-over-the-limit: published a message",
    rules({ sizeLimit: (destination) => RULES.sizeLimit(destination) + 300 })],
  "size-limit-hundreds-under": ["takes a limit a few hundred bytes under the transport's", "exactly-at-the-limit: refused the input",
    rules({ sizeLimit: (destination) => RULES.sizeLimit(destination) - 300 })],
  "size-limit-exclusive": ["refuses a message of exactly the limit (>= instead of >)", "exactly-at-the-limit: refused the input",
    rules({ sizeLimit: (destination) => RULES.sizeLimit(destination) - 1 })],
  "trace-context-beyond-limit": ["adds every trace context entry, past SQS's ten attributes", "SQS allows 10",
    traced((prepared, call, trace) => withAttributes(prepared, [...Object.entries(prepared.attributes), ...Object.entries(trace).filter((entry) => acceptable(entry) && !Object.hasOwn(prepared.attributes, entry[0]))]))],
  "trace-context-before-headers": ["writes the trace context before the header attributes, crowding headers out", "is missing (with nine headers or fewer",
    traced((prepared, call, trace) => {
      const [task, ...headers] = headerEntries(prepared);
      const first = withTraceContext([task], trace);
      return withAttributes(prepared, [...first, ...headers].slice(0, 10));
    })],
  "trace-context-dropped": ["leaves the trace context out of the attributes", "trace context entry 'traceparent' is missing",
    { prepare: (call, app) => prepareMessage(call, app, RULES, {}) }],
  "trace-context-overrides-header": ["lets a trace context entry replace the attribute of a header of the same name", "the body says",
    traced((prepared, call, trace) => withAttributes(prepared, Object.entries(prepared.attributes).map(([name, value]) => [name, Object.hasOwn(trace, name) ? trace[name] : value])))],
  "trace-context-in-body": ["writes the trace context into the body's headers too", "message $.headers",
    { prepare: (call, app, trace = {}) => prepareMessage({ ...call, headers: { ...call.headers, ...trace } }, app, RULES, trace) }],
  "trace-context-sorted-by-name": ["writes the trace context's entries sorted by name, not in the propagator's order", "trace context entry 'X-B3-Sampled' must not be",
    { prepare: (call, app, trace = {}) => prepareMessage(call, app, RULES, Object.fromEntries(Object.entries(trace).sort(([a], [b]) => (a < b ? -1 : 1)))) }],
  "trace-context-unchecked": ["writes trace context entries SQS refuses as attributes (bad names, control characters)", "not a valid SQS attribute name",
    traced((prepared, call, trace) => {
      const entries = headerEntries(prepared);
      for (const [name, value] of Object.entries(trace)) if (entries.length < 10 && !entries.some(([taken]) => taken === name)) entries.push([name, value]);
      return withAttributes(prepared, entries);
    })],
  "trace-context-not-counted-in-size": ["leaves the trace context's attributes out of the size it checks", "trace-context-sns-one-byte-over-the-limit: published",
    { prepare(call, app, trace = {}) {
      const prepared = prepareMessage(call, app, RULES, {}); // its size checked without the trace context
      return withAttributes(prepared, withTraceContext(Object.entries(prepared.attributes), trace));
    } }],
  "drops-group-id": ["sends FIFO messages without their MessageGroupId", "no message_group_id",
    rules({ fifoIds: (request, app, messageId) => withoutGroup(RULES.fifoIds(request, app, messageId)) })],
  "fifo-app-to-standard-names": ["sends a FIFO app's messages, with their group, to the standard queue and topic names", "on a standard",
    rules({ destination: (app, priority) => RULES.destination({ ...app, fifo: false }, priority) })],
  "upper-case-fifo-suffix": ["upper-cases the whole queue name, .fifo suffix included (TASKHAWK-DEV-SHOP.FIFO)", "destination: sqs queue",
    destination((found) => (found.transport === "sqs" ? { ...found, queue: found.queue.toUpperCase() } : found))],
  "fresh-deduplication-id": ["makes a new deduplication id per send instead of using the message id", "destination: message_deduplication_id",
    rules({ fifoIds: (request, app) => RULES.fifoIds(request, app, RULES.newId()) })],
  "fresh-deduplication-id-for-made-ids": ["uses the message id as deduplication id only when the caller gave it, a new id when it made the message id", "destination: message_deduplication_id", {
    prepare(call, app, trace) {
      const made = call.id === undefined ? { fifoIds: (request, fifoApp) => RULES.fifoIds(request, fifoApp, RULES.newId()) } : {};
      return prepareMessage(call, app, { ...RULES, ...made }, trace);
    },
  }],
  "ignores-content-based-deduplication": ["sends the message id as deduplication id when the queues deduplicate by content", "destination: message_deduplication_id",
    rules({ fifoIds: (request, app, messageId) => RULES.fifoIds(request, { ...app, contentBasedDeduplication: false }, messageId) })],
  "delays-fifo-messages": ["sends a delayed task to a FIFO queue with DelaySeconds instead of refusing it", "take no per-message DelaySeconds", {
    prepare(call, app, trace) {
      if (app.fifo !== true || !call.delay) return prepareMessage(call, app, RULES, trace);
      const prepared = prepareMessage({ ...call, delay: undefined }, app, RULES, trace);
      return { ...prepared, destination: { ...prepared.destination, delaySeconds: Math.ceil(call.delay) } };
    },
  }],
  "group-on-standard-app-dropped": ["drops a group given on a standard app instead of refusing it", "keep no order",
    rules({ fifoIds: (request, app, messageId) => (app.fifo === true ? RULES.fifoIds(request, app, messageId) : {}) })],
  "unchecked-fifo-ids": ["sends any group or deduplication id, whatever its characters or length", "SQS takes", rules({ fifoIds: unchecked })],
};

const [name] = process.argv.slice(2);
if (name === "--list") {
  for (const [mutant, [defect, caughtBy]] of Object.entries(MUTANTS)) {
    process.stdout.write(`${JSON.stringify({ name: mutant, defect, caught_by: caughtBy })}\n`);
  }
} else if (Object.hasOwn(MUTANTS, name ?? "")) {
  await serve({ ...TESTEE, ...MUTANTS[name][2] });
} else {
  process.stderr.write(`usage: mutants.mjs --list | NAME (one of ${Object.keys(MUTANTS).join(", ")})\n`);
  process.exitCode = 2;
}
