// A complete Taskhawk 1.0 consumer decode in JavaScript: every decision and legacy shape of
// schema/README.md on top of Ajv, so the Node runner compares verdicts and decoded calls with
// the Python library case by case. What it adds to Ajv is what a JavaScript consumer must add.

import { parseStrict, JSONRefused } from "./strict-json.mjs";

export const MAX_BODY_BYTES = 1_048_576; // SQS's limit, counted in UTF-8 bytes
const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]*)$/;
const RFC3339 = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:[0-9]{2})$/;

class Invalid extends Error {
  constructor(path, reason) {
    super(`${path}: ${reason}`);
    this.path = path;
  }
}

// Numbers whose written text a consumer needs: the timestamp (integer-timestamp) and header
// values (legacy-non-string-header reads a number as it is written).
function lexemeWanted(keys) {
  return keys.length === 2 && (keys[0] === "headers" || (keys[0] === "metadata" && keys[1] === "timestamp"));
}

// `validators` holds Ajv functions per format version: { "1.0": { consume, publish } }.
export function createDecoder(validators) {
  return function decode(bytes) {
    try {
      return { valid: true, decoded: decodeOrThrow(bytes, validators) };
    } catch (error) {
      if (error instanceof Invalid) return { valid: false, path: error.path, reason: error.message };
      if (error instanceof JSONRefused) return { valid: false, path: "$", reason: error.message };
      throw error;
    }
  };
}

function decodeOrThrow(bytes, validators) {
  if (bytes.length > MAX_BODY_BYTES) {
    throw new Invalid("$", `body is ${bytes.length} bytes, over ${MAX_BODY_BYTES} (decision bounded-input)`);
  }
  let text;
  try {
    // ignoreBOM keeps a leading U+FEFF, which then fails the parse (decision no-byte-order-mark).
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Invalid("$", "body is not UTF-8");
  }
  const { value: data, lexemes } = parseStrict(text, lexemeWanted);
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new Invalid("$", "a message must be a JSON object");
  const version = data.metadata?.version;
  const schemas = typeof version === "string" && Object.hasOwn(validators, version) ? validators[version] : null;
  if (schemas === null) throw new Invalid("$.metadata.version", `unknown format version ${JSON.stringify(version)}`);
  check(schemas.consume, data);
  const timestamp = data.metadata.timestamp;
  if (typeof timestamp === "number" && !INTEGER_TEXT.test(lexemes.get("metadata\u0000timestamp"))) {
    throw new Invalid("$.metadata.timestamp", "must be an integer written without fraction or exponent (decision integer-timestamp)");
  }
  const canonical = canonicalShape(data, lexemes);
  check(schemas.publish, canonical);
  const { id, task, args, kwargs, headers, metadata } = canonical;
  return { id, task, args, kwargs, headers, priority: metadata.priority, timestamp_ms: metadata.timestamp };
}

function check(validate, data) {
  if (!validate(data)) {
    const [first] = validate.errors;
    const path = "$" + first.instancePath.split("/").slice(1).map((part) => `.${part.replaceAll("~1", "/").replaceAll("~0", "~")}`).join("");
    throw new Invalid(path, first.message);
  }
}

// The legacy shapes, read as the canonical form (schema/README.md, Decisions).
function canonicalShape(data, lexemes) {
  const canonical = { ...data, args: Object.hasOwn(data, "args") ? data.args : [] };
  if (typeof data.metadata.timestamp === "string") {
    canonical.metadata = { ...data.metadata, timestamp: rfc3339Millis(data.metadata.timestamp) };
  }
  const headers = {};
  for (const [name, value] of Object.entries(data.headers)) {
    const text = typeof value === "number" ? lexemes.get(`headers\u0000${name}`) : String(value);
    Object.defineProperty(headers, name, { value: text, enumerable: true, writable: true, configurable: true });
  }
  canonical.headers = headers;
  return canonical;
}

function daysIn(year, month) {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

// RFC 3339 date-time -> epoch milliseconds, fraction digits past the third truncated.
export function rfc3339Millis(text) {
  const match = RFC3339.exec(text);
  const bad = (why) => new Invalid("$.metadata.timestamp", `${JSON.stringify(text)}: ${why}`);
  if (match === null) throw bad("not an RFC 3339 date-time");
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  if (year < 1) throw bad("year 0000 is before the epoch");
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) throw bad("no such date");
  if (hour > 23 || minute > 59 || second > 59) throw bad("no such time (no hour 24, no leap second)");
  let offsetMinutes = 0;
  const zone = match[8];
  if (zone !== "Z" && zone !== "z") {
    const [zoneHours, zoneMinutes] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
    if (zoneHours > 23 || zoneMinutes > 59) throw bad("offset out of range");
    offsetMinutes = (zone[0] === "+" ? 1 : -1) * (zoneHours * 60 + zoneMinutes);
  }
  const moment = new Date(0);
  moment.setUTCFullYear(year, month - 1, day); // not Date.UTC: it reads years 0-99 as 19xx
  moment.setUTCHours(hour, minute, second, Number(((match[7] ?? "") + "000").slice(0, 3)));
  return moment.getTime() - offsetMinutes * 60_000;
}
