// The strict parser, the value rules and the text a publisher writes, and the decoder's
// decisions (the whole corpus runs through contract-tests/runners/node/consumer.mjs).

import assert from "node:assert/strict";
import { test } from "node:test";
import { JSONRefused, ValidationError, checkJsonValue, decode, jsonText, parseStrict, rfc3339Millis } from "../src/wire.js";
import { MESSAGE, dataObject } from "./helpers.js";

function refusal(text: string): JSONRefused {
  try {
    parseStrict(text);
  } catch (error) {
    if (error instanceof JSONRefused) return error;
    throw error;
  }
  assert.fail(`${text} was accepted`);
}

test("the strict parser refuses what JSON.parse lets through, naming the decision", () => {
  assert.equal(refusal('{"a": 1, "\\u0061": 2}').decision, "duplicate-keys");
  assert.equal(refusal("[NaN]").decision, undefined);
  assert.equal(refusal("[1e999]").decision, "non-finite-numbers");
  assert.equal(refusal("[9007199254740992]").decision, "safe-integers");
  assert.equal(refusal('["\\ud800"]').decision, "unicode-text");
  assert.equal(refusal("[".repeat(33) + "]".repeat(33)).decision, "bounded-input");
  assert.equal(refusal("[".repeat(100_000)).decision, "bounded-input"); // no deep recursion
  assert.match(refusal("\ufeff{}").message, /expected a value/);
  assert.deepEqual(parseStrict("[".repeat(32) + "]".repeat(32)).value, JSON.parse("[".repeat(32) + "]".repeat(32)));
  assert.deepEqual(parseStrict('[9007199254740992.0, 1e20, "\\ud83d\\ude00"]').value, [2 ** 53, 1e20, "😀"]);
});

test("the parser keeps a member named __proto__ as data, and hands back numbers as written", () => {
  const { value, lexemes } = parseStrict('{"__proto__": {"x": 1.50}}', { keepLexeme: (keys) => keys.length === 2 });
  assert.deepEqual(Object.keys(value as object), ["__proto__"]);
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.equal(lexemes.get("__proto__\u0000x"), "1.50");
});

function checked(value: unknown): string {
  try {
    checkJsonValue(value, "$.args", 2);
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
  return "ok";
}

test("values: safe integers, finite numbers, scalar strings, plain objects, bounded depth", () => {
  assert.equal(checked([1, 2 ** 53, 1e20, -0, 9007199254740991n, "😀", null, true, { a: [] }]), "ok");
  assert.match(checked([9007199254740992n]), /^\$\.args\[0\]: integer 9007199254740992 is out of range/);
  assert.match(checked([-(2n ** 64n)]), /integer -18446744073709551616 is out of range/);
  assert.match(checked([10n ** 30n]), /integer 100000000000\.\.\. \(31 digits\) is out of range/);
  assert.match(checked([Number.NaN]), /^\$\.args\[0\]: NaN is not a JSON number/);
  assert.match(checked([{ "a b": -Infinity }]), /^\$\.args\[0\]\['a b'\]: -Infinity/);
  assert.match(checked(["\udc00"]), /decision unicode-text/);
  assert.match(checked([dataObject([["\ud800", 1]])]), /^\$\.args\[0\]: .*unicode-text/);
  assert.match(checked([undefined]), /^\$\.args\[0\]: undefined cannot be sent as JSON/);
  assert.match(checked([new Date(0)]), /^\$\.args\[0\]: Date cannot be sent as JSON/);
  assert.match(checked([new Map()]), /Map cannot be sent/);
  assert.match(checked([() => 1]), /function cannot be sent/);
  let deep: unknown = [];
  for (let level = 0; level < 30; level += 1) deep = [deep];
  assert.equal(checked(deep), "ok"); // args (level 2) and 31 arrays inside: 32 levels
  assert.match(checked([deep]), /nested deeper than 32 levels/);
  const cycle: unknown[] = [];
  cycle.push(cycle);
  assert.match(checked(cycle), /nested deeper/);
});

test("the text is ASCII-only JSON, as Python's json.dumps writes it, floats beyond 2^53 as floats", () => {
  assert.equal(jsonText(["é", "😀", "\u007f", "\n", '"', "\u2028"]), '["\\u00e9","\\ud83d\\ude00","\\u007f","\\n","\\"","\\u2028"]');
  assert.equal(jsonText([2 ** 53, 1e20, -1e300, 1.5, 7, -0, 9007199254740991]), "[9007199254740992,1e+20,-1e+300,1.5,7,0,9007199254740991]".replace("9007199254740992", "9.007199254740992e+15"));
  assert.equal(jsonText(dataObject([["__proto__", 1]])), '{"__proto__":1}');
  assert.equal(jsonText([12n]), "[12]");
});

test("decode: the canonical message, legacy shapes read as it, timestamps as written", () => {
  const body = JSON.stringify({ ...MESSAGE, headers: { retries: 3, big: 1e3, flag: true } }).replace('"big":1000', '"big":1e3');
  const message = decode(new TextEncoder().encode(body.replace(',"args":["email@example.com","Hello!"]', "")));
  assert.deepEqual(message.args, []);
  assert.deepEqual(message.headers, { retries: "3", big: "1e3", flag: "true" });
  const legacy = decode(JSON.stringify({ ...MESSAGE, metadata: { ...MESSAGE.metadata, timestamp: "2016-04-17T04:44:13.2559999+00:30" } }));
  assert.equal(legacy.metadata.timestamp, Date.UTC(2016, 3, 17, 4, 14, 13, 255));
  assert.throws(() => decode(JSON.stringify(MESSAGE).replace("1795831712266", "1795831712266.0")), { path: "$.metadata.timestamp" });
  assert.throws(() => decode(JSON.stringify({ ...MESSAGE, metadata: { ...MESSAGE.metadata, version: "9.9" } })), /unsupported message format "9.9"/);
  assert.throws(() => decode(new Uint8Array([0x7b, 0xff, 0x7d])), /not valid UTF-8/);
  assert.throws(() => decode(`"${"é".repeat(600_000)}"`), /bytes, over the 1048576 limit/);
});

test("RFC 3339: calendar ranges, offsets within +-23:59, fractions truncated", () => {
  assert.equal(rfc3339Millis("1970-01-01T00:00:00.9999999Z"), 999);
  assert.equal(rfc3339Millis("0099-01-01 00:00:00z"), -59042995200000); // year 99, not 1999
  assert.equal(rfc3339Millis("2016-04-17T04:44:13-23:59"), Date.UTC(2016, 3, 18, 4, 43, 13));
  for (const bad of ["2016-02-30T00:00:00Z", "2016-01-01T24:00:00Z", "2016-12-31T23:59:60Z", "0000-01-01T00:00:00Z", "2016-01-01T00:00:00+24:00", "2016-01-01T00:00:00-00:60"]) {
    assert.throws(() => rfc3339Millis(bad), { path: "$.metadata.timestamp" }, bad);
  }
});
