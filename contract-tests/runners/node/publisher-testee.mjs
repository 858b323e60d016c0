// Reference publisher testee for the Taskhawk contract suite, Node standard library only.
// It is a complete, minimal Taskhawk 1.0 publisher: from a request's input it builds the message
// body and transport attributes, or refuses the input. Protocol: contract-tests/README.md.
//
//   python -m tools.conformance publisher -- node contract-tests/runners/node/publisher-testee.mjs

import { createInterface } from "node:readline";

const PROTOCOL = 1;
const FORMAT_VERSION = "1.0";
const PRIORITIES = new Set(["default", "high", "low", "bulk"]);
const MAX_DEPTH = 32; // levels below the body root
const MAX_ATTRIBUTES = 10;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEADER_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const RESERVED_NAME = /^(aws\.|amazon\.|taskhawk_)/i;
// Characters SQS accepts in a String attribute; with the u flag a surrogate range matches only
// unpaired surrogates.
const ATTRIBUTE_TEXT = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]+$/u;

class Refused extends Error {}

function refuse(path, reason) {
  throw new Refused(`${path}: ${reason}`);
}

// {"$number": "NaN"} and friends stand for numbers JSON cannot carry exactly.
function fromInput(value) {
  if (Array.isArray(value)) return value.map(fromInput);
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$number") {
      const text = value.$number;
      return /^-?[0-9]+$/.test(text) && !Number.isSafeInteger(Number(text)) ? BigInt(text) : Number(text);
    }
    return Object.fromEntries(keys.map((key) => [key, fromInput(value[key])]));
  }
  return value;
}

// Arguments must be values every JSON reader agrees on (schema/README.md, Decisions).
function checkValue(value, path, depth) {
  if (depth > MAX_DEPTH) refuse(path, `nested deeper than ${MAX_DEPTH} levels below the body`);
  if (typeof value === "bigint") refuse(path, `integer ${value} is outside +-(2^53-1)`);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) refuse(path, `${value} is not a JSON number`);
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      refuse(path, `integer ${value} is outside +-(2^53-1)`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => checkValue(item, `${path}[${index}]`, depth + 1));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) checkValue(item, `${path}.${key}`, depth + 1);
  } else if (!["string", "boolean"].includes(typeof value) && value !== null) {
    refuse(path, `${typeof value} is not a JSON value`);
  }
}

function checkHeaders(headers) {
  for (const [name, value] of Object.entries(headers)) {
    if (name.length > 256 || !HEADER_NAME.test(name) || RESERVED_NAME.test(name)) {
      refuse("$.headers", `${JSON.stringify(name)} is not an allowed header name`);
    }
    if (typeof value !== "string" || !ATTRIBUTE_TEXT.test(value)) {
      refuse(`$.headers.${name}`, "must be a non-empty string SQS accepts");
    }
  }
}

export function publish({ task, args, kwargs, headers, priority, id, timestamp_ms: timestamp }) {
  if (typeof task !== "string" || [...task].length > 256 || !ATTRIBUTE_TEXT.test(task)) {
    refuse("$.task", "must be 1-256 characters SQS accepts");
  }
  if (!PRIORITIES.has(priority)) refuse("$.metadata.priority", `unknown priority ${priority}`);
  if (!UUID.test(id)) refuse("$.id", "must be a lower-case hyphenated UUID");
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) refuse("$.metadata.timestamp", "bad");
  checkHeaders(headers);
  checkValue(args, "$.args", 1);
  checkValue(kwargs, "$.kwargs", 1);
  const message = { id, metadata: { priority, timestamp, version: FORMAT_VERSION }, headers, task, args, kwargs };
  const attributes = { taskhawk_task: { DataType: "String", StringValue: task } };
  for (const [name, value] of Object.entries(headers)) {
    if (Object.keys(attributes).length === MAX_ATTRIBUTES) break;
    attributes[name] = { DataType: "String", StringValue: value };
  }
  return { message_text: JSON.stringify(message), attributes };
}

function respond(request) {
  if (request.protocol !== PROTOCOL) return { id: request.id, error: `unsupported protocol ${request.protocol}` };
  try {
    return { id: request.id, ...publish({ ...request.input, args: fromInput(request.input.args), kwargs: fromInput(request.input.kwargs) }) };
  } catch (error) {
    if (error instanceof Refused) return { id: request.id, error: error.message };
    throw error;
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  process.stdout.write(`${JSON.stringify(respond(JSON.parse(line)))}\n`);
}
