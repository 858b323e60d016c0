// A reference Taskhawk 1.0 publisher in JavaScript, Node standard library only: from an app's
// settings and a call it builds the message body, the transport attributes and the destination,
// or refuses the input. Every rule is a named function of RULES, so that mutants.mjs can break
// exactly one of them. The rules themselves are in schema/README.md and contract-tests/README.md.

import { randomUUID } from "node:crypto";

export const FORMAT_VERSION = "1.0";
const PRIORITIES = ["default", "high", "low", "bulk"];
const SUFFIX = { default: "", high: "-HIGH-PRIORITY", low: "-LOW-PRIORITY", bulk: "-BULK" };
const MAX_DEPTH = 32; // the body's own object is level 1
const MAX_HEADER_ATTRIBUTES = 9; // SQS allows ten attributes and taskhawk_task is one
const LIMITS = { sqs: 1_048_576, sns: 262_144 }; // bytes of body plus attributes
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEADER_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const RESERVED_NAME = /^(aws\.|amazon\.|taskhawk_)/i;
// Characters SQS accepts in a String attribute; with the u flag a surrogate range matches only
// unpaired surrogates.
const ATTRIBUTE_TEXT = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]+$/u;
const LONE_SURROGATE = /\p{Surrogate}/u;

export class Refused extends Error {}

function refuse(path, reason) {
  throw new Refused(`${path}: ${reason}`);
}

// An object whose members are data even when one is named __proto__ (assignment would set the
// prototype instead and lose the member).
export function dataObject(entries) {
  const result = {};
  for (const [key, value] of entries) {
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

export const RULES = {
  queueName: (queue, priority) => `TASKHAWK-${queue.toUpperCase()}${SUFFIX[priority]}`,
  topicName: (queue, priority) => `taskhawk-${queue.toLowerCase()}${SUFFIX[priority].toLowerCase()}`,
  destination(app, priority) {
    if (app.topology === "sns") return { transport: "sns", topic: this.topicName(app.queue, priority) };
    return { transport: "sqs", queue: this.queueName(app.queue, priority) };
  },
  newId: () => randomUUID(), // version 4
  now: () => Date.now(),
  checkId(id) {
    if (typeof id !== "string" || !UUID.test(id)) refuse("$.id", "must be a lower-case hyphenated UUID");
  },
  taskLength: (task) => [...task].length, // code points, as JSON Schema's maxLength counts
  taskName: (task) => task,
  headerAttributes(headers) {
    const names = Object.keys(headers);
    return names.length <= MAX_HEADER_ATTRIBUTES ? names : [];
  },
  attribute: (value) => ({ DataType: "String", StringValue: value }),
  bodyHeaders: (headers) => headers,
  checkNumber(value, path) {
    if (typeof value === "bigint") refuse(path, `integer ${value} is outside +-(2^53-1) (decision safe-integers)`);
    if (!Number.isFinite(value)) refuse(path, `${value} is not a JSON number (decision non-finite-numbers)`);
  },
  checkText(text, path) {
    if (LONE_SURROGATE.test(text)) refuse(path, "unpaired surrogate (decision unicode-text)");
  },
  numberText(value) {
    // A double at or beyond 2^53 is a float whatever its value; JSON.stringify would write it
    // as an integer (100000000000000000000), which no consumer may accept.
    return Math.abs(value) > Number.MAX_SAFE_INTEGER ? value.toExponential() : JSON.stringify(value);
  },
  sizeLimit: (destination) => LIMITS[destination.transport],
  messageSize(body, attributes) {
    let size = Buffer.byteLength(body, "utf8");
    for (const [name, { DataType, StringValue }] of Object.entries(attributes)) {
      size += Buffer.byteLength(name) + Buffer.byteLength(DataType) + Buffer.byteLength(StringValue, "utf8");
    }
    return size;
  },
};

// Arguments must be values every JSON reader agrees on (schema/README.md, Decisions).
function checkValue(rules, value, path, depth) {
  if (typeof value === "number" || typeof value === "bigint") return rules.checkNumber(value, path);
  if (typeof value === "string") return rules.checkText(value, path);
  if (value === null || typeof value === "boolean") return undefined;
  if (typeof value !== "object") refuse(path, `${typeof value} is not a JSON value`);
  if (depth > MAX_DEPTH) refuse(path, `nested deeper than ${MAX_DEPTH} levels (decision bounded-input)`);
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkValue(rules, item, `${path}[${index}]`, depth + 1));
  } else {
    for (const key of Object.keys(value)) {
      rules.checkText(key, `${path} key`);
      checkValue(rules, value[key], `${path}.${key}`, depth + 1);
    }
  }
  return undefined;
}

function checkHeaders(headers) {
  for (const name of Object.keys(headers)) {
    if (name.length > 256 || !HEADER_NAME.test(name) || RESERVED_NAME.test(name)) {
      refuse("$.headers", `${JSON.stringify(name)} is not an allowed header name`);
    }
    if (typeof headers[name] !== "string" || !ATTRIBUTE_TEXT.test(headers[name])) {
      refuse(`$.headers.${name}`, "must be a non-empty string SQS accepts");
    }
  }
}

function serialize(rules, value) {
  if (typeof value === "number") return rules.numberText(value);
  if (Array.isArray(value)) return `[${value.map((item) => serialize(rules, item)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${serialize(rules, value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// Publish one call from an app ({queue, topology}). `input` holds task, args, kwargs, headers,
// priority and, optionally, id and timestamp_ms; without them the publisher makes its own.
export function publish(input, app, rules = RULES) {
  const { task, args, kwargs, headers, priority } = input;
  const id = "id" in input ? input.id : rules.newId();
  const timestamp = "timestamp_ms" in input ? input.timestamp_ms : rules.now();
  if (typeof task !== "string" || rules.taskLength(task) > 256 || !ATTRIBUTE_TEXT.test(task)) {
    refuse("$.task", "must be 1-256 characters SQS accepts");
  }
  if (!PRIORITIES.includes(priority)) refuse("$.metadata.priority", `unknown priority ${priority}`);
  rules.checkId(id);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) refuse("$.metadata.timestamp", "must be 0 to 2^53-1");
  checkHeaders(headers);
  checkValue(rules, args, "$.args", 2);
  checkValue(rules, kwargs, "$.kwargs", 2);
  const name = rules.taskName(task);
  const metadata = { priority, timestamp, version: FORMAT_VERSION };
  const message = { id, metadata, headers: rules.bodyHeaders(headers), task: name, args, kwargs };
  const attributes = dataObject([
    ["taskhawk_task", rules.attribute(name)],
    ...rules.headerAttributes(headers).map((header) => [header, rules.attribute(headers[header])]),
  ]);
  const destination = rules.destination(app, priority);
  const messageText = serialize(rules, message);
  const size = rules.messageSize(messageText, attributes);
  if (size > rules.sizeLimit(destination)) {
    refuse("$", `${size} bytes, over ${destination.transport.toUpperCase()}'s ${rules.sizeLimit(destination)} (decision size-limits)`);
  }
  return { message_text: messageText, attributes, destination };
}
