// Wrong publishers: the reference testee with exactly one rule broken each, one mutant per defect
// a real publisher has been seen to have (or could easily have). The publisher suite must fail
// every one of them, with a failure line naming the defect: `python -m tools.conformance
// mutants` runs them all (part of `make contract`) and fails when any passes.
//
//   node contract-tests/runners/node/mutants.mjs --list    one JSON line per mutant
//   node contract-tests/runners/node/mutants.mjs NAME      serve as that mutant (a testee)

import { RULES, Refused, dataObject } from "./publisher.mjs";
import { PROTOCOLS, serve } from "./publisher-testee.mjs";

const looksNumeric = (text) => /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text);
let lastGivenId = "0d3d8132-07cb-41ee-bcc3-840b8d5e77d6";
let onceId;

// name: [the defect, text a failure line must contain to show it was caught, the broken rules]
const MUTANTS = {
  "high-priority-queue-name": ["sends high-priority tasks to TASKHAWK-APP-HIGH", "destination: sqs queue", {
    queueName: (queue, priority) => RULES.queueName(queue, priority).replace("-HIGH-PRIORITY", "-HIGH"),
  }],
  "topic-name-case-kept": ["keeps the queue setting's case in topic names (taskhawk-DEV-MYAPP)", "destination: sns topic", {
    topicName: (queue, priority) => RULES.topicName(queue, priority).replace(queue.toLowerCase(), queue),
  }],
  "sends-to-dead-letter-queue": ["sends to the priority's dead-letter queue", "destination: sqs queue", {
    queueName: (queue, priority) => `${RULES.queueName(queue, priority)}-DLQ`,
  }],
  "ignores-topology": ["sends Lambda apps' tasks to SQS queues instead of SNS topics", "destination: sqs queue", {
    destination(app, priority) {
      return { transport: "sqs", queue: this.queueName(app.queue, priority) };
    },
  }],
  "sets-delay-seconds": ["delays every SQS message by 5 seconds", "DelaySeconds", {
    destination(app, priority) {
      const found = RULES.destination.call(this, app, priority);
      return found.transport === "sqs" ? { ...found, delay_seconds: 5 } : found;
    },
  }],
  "ignores-protocol": ["answers any protocol version as if it were its own", "without an error", {}, [1, 2, 3, 4, 5]],
  "reuses-generated-id": ["makes one id and uses it for every message", "already generated", {
    newId: () => (onceId ??= RULES.newId()),
  }],
  "reuses-given-id": ["uses the last id it was given when asked for a new one", "one the harness gave", {
    newId: () => lastGivenId,
    checkId(id) {
      lastGivenId = id;
      RULES.checkId(id);
    },
  }],
  "clock-in-seconds": ["writes the timestamp in seconds", "generated timestamp", {
    now: () => Math.floor(Date.now() / 1000),
  }],
  "refuses-non-v4-ids": ["refuses ids that are not version 4 UUIDs", "refused the input", {
    checkId(id) {
      RULES.checkId(id);
      if (id[14] !== "4") throw new Refused("$.id: not a version 4 UUID");
    },
  }],
  "lower-cases-task-names": ["lower-cases task names", "$.task", { taskName: (task) => task.toLowerCase() }],
  "task-length-in-utf8-bytes": ["counts the 256-character task limit in UTF-8 bytes", "refused the input", {
    taskLength: (task) => Buffer.byteLength(task, "utf8"),
  }],
  "task-length-in-utf16-units": ["counts the 256-character task limit in UTF-16 units", "refused the input", {
    taskLength: (task) => task.length,
  }],
  "first-nine-headers-by-sorted-name": ["copies the first nine headers by sorted name to attributes", "must not be attributes", {
    headerAttributes: (headers) => Object.keys(headers).sort().slice(0, 9),
  }],
  "first-nine-headers-in-order": ["copies the first nine headers in input order to attributes", "must not be attributes", {
    headerAttributes: (headers) => Object.keys(headers).slice(0, 9),
  }],
  "numeric-header-values-as-numbers": ['writes header "3" as the JSON number 3 in the body', "$.headers.retries", {
    bodyHeaders: (headers) => dataObject(Object.entries(headers).map(([k, v]) => [k, looksNumeric(v) ? Number(v) : v])),
  }],
  "number-attribute-data-type": ['sends header "3" as an attribute of DataType Number', "DataType 'Number'", {
    attribute: (value) => ({ DataType: looksNumeric(value) ? "Number" : "String", StringValue: value }),
  }],
  "drops-proto-header": ["builds attributes by assignment, so __proto__ sets the prototype", "'__proto__' is missing", {
    headerAttributes(headers) {
      const names = RULES.headerAttributes(headers);
      const copy = {};
      for (const name of names) copy[name] = true; // the prototype bug: __proto__ is lost here
      return Object.keys(copy);
    },
  }],
  "refuses-big-whole-floats": ["refuses 1e20 and 9007199254740992.0 as unsafe integers", "refused the input", {
    checkNumber(value, path) {
      RULES.checkNumber(value, path);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new Refused(`${path}: unsafe integer`);
    },
  }],
  "writes-big-floats-as-integers": ["writes 1e20 as the integer 100000000000000000000", "the taskhawk consumer refuses it", {
    numberText: (value) => JSON.stringify(value),
  }],
  "no-size-limit": ["publishes bodies over the transport's limit", "decision size-limits", { sizeLimit: () => Infinity }],
  "sns-size-limit-ignored": ["applies SQS's 1 MiB limit to SNS as well", "decision size-limits", { sizeLimit: () => 1_048_576 }],
  "size-in-characters": ["measures the size limit in UTF-16 units instead of UTF-8 bytes", "decision size-limits", {
    messageSize: (body) => body.length,
  }],
  "accepts-lone-surrogates": ["publishes strings with unpaired surrogates", "decision unicode-text", { checkText: () => undefined }],
};

const [name] = process.argv.slice(2);
if (name === "--list") {
  for (const [mutant, [defect, caughtBy]] of Object.entries(MUTANTS)) {
    process.stdout.write(`${JSON.stringify({ name: mutant, defect, caught_by: caughtBy })}\n`);
  }
} else if (Object.hasOwn(MUTANTS, name ?? "")) {
  const [, , broken, protocols] = MUTANTS[name];
  await serve({ ...RULES, ...broken }, protocols ?? PROTOCOLS);
} else {
  process.stderr.write(`usage: mutants.mjs --list | NAME (one of ${Object.keys(MUTANTS).join(", ")})\n`);
  process.exitCode = 2;
}
