// The compiled validators against Ajv on the same schema files: every message version, both
// kinds, on valid messages and on thousands of seeded mutations of them. The verdicts must be
// the same; the corpus vectors are compared the same way by contract-tests/runners/node.

import assert from "node:assert/strict";
import { test } from "node:test";
import { FORMATS, type FormatVersion } from "../src/wire.js";
import { MESSAGE, ajvValidator, dataObject, random, schemaVersions } from "./helpers.js";

const INTERESTING: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 53) + 1, 9007199254740991, 1e20, "", "x", "\n", "a\n", "\t",
  "é", "\ud800", "\udfff", "😀", "\u0007", "\uffff", "x".repeat(256), "x".repeat(257), "😀".repeat(256), "😀".repeat(257),
  "0D3D8132-07CB-41EE-BCC3-840B8D5E77D6", "0d3d8132-07cb-41ee-bcc3-840b8d5e77d6",
  "2016-04-17T04:44:13.255Z", "2016-04-17 04:44:13+05:30", "2016-04-17T04:44:13.2551234567Z",
  "default", "high", "bulk", "urgent", "1.0", "1.1", "2.0", [], [1, "a"], {}, { a: 1 },
];
const NAMES = ["extra", "__proto__", "constructor", "AWS.x", "amazon.y", "taskhawk_x", "a..b", ".a", "a.", "ok-name.v2", "héllo", "x".repeat(256), "x".repeat(257), ""];

const ROUNDS = 4000;

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

/** Every object in `value`, with the path to it (a mutation edits one of them). */
function objects(value: unknown): { [name: string]: unknown }[] {
  if (typeof value !== "object" || value === null) return [];
  const own = Array.isArray(value) ? [] : [value as { [name: string]: unknown }];
  return [...own, ...Object.values(value).flatMap(objects)];
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (typeof value === "object" && value !== null) return dataObject(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}

function mutate(base: unknown, next: () => number): unknown {
  const message = clone(base);
  for (let edits = 1 + Math.floor(next() * 2); edits > 0; edits -= 1) {
    const target = pick(next, objects(message));
    const keys = Object.keys(target);
    const choice = next();
    if (choice < 0.2 && keys.length > 0) delete target[pick(next, keys)];
    else if (choice < 0.4) Object.defineProperty(target, pick(next, NAMES), { value: pick(next, INTERESTING), enumerable: true, writable: true, configurable: true });
    else if (keys.length > 0) target[pick(next, keys)] = pick(next, INTERESTING);
  }
  return message;
}

function bases(version: string): unknown[] {
  const message = { ...MESSAGE, metadata: { ...MESSAGE.metadata, version } };
  const nine = dataObject(Array.from({ length: 9 }, (_, i) => [`h${i}`, `${i}`]));
  return [message, { ...message, headers: nine, args: [], kwargs: {} }, { ...message, headers: {}, args: [[{ deep: [1] }]] }];
}

for (const version of schemaVersions()) {
  for (const kind of ["publish", "consume"] as const) {
    test(`format ${version} ${kind}: compiled validator and Ajv agree on ${kind} mutations`, () => {
      const compiled = FORMATS[version as FormatVersion][kind];
      const ajv = ajvValidator(version, kind);
      const next = random(version.length * 7919 + kind.length);
      let invalid = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        const instance = round < 3 ? bases(version)[round] : mutate(pick(next, bases(version)), next);
        const expected = ajv(instance);
        const violation = compiled(instance);
        invalid += expected ? 0 : 1;
        assert.equal(violation === undefined, expected, `${JSON.stringify(instance)}: Ajv says ${expected}, compiled ${violation?.path} ${violation?.message}`);
      }
      assert.ok(invalid > ROUNDS / 2 && invalid < ROUNDS - 3, `the mutations should mostly, not always, break the schema (${invalid})`);
    });
  }
}

test("a violation names its path, rule and reason in the words Python uses", () => {
  const validate = FORMATS["1.0"].consume;
  const headerName = validate({ ...MESSAGE, headers: { "AWS.trace": "x" } });
  assert.deepEqual({ ...headerName }, { path: "$.headers", rule: "not", message: 'name "AWS.trace" is reserved: names starting taskhawk_ belong to the transport, and names starting AWS. or Amazon. (in any case) to AWS' });
  const extra = validate({ ...MESSAGE, extra: 1 });
  assert.deepEqual({ ...extra }, { path: "$", rule: "additionalProperties", message: '"extra" is not allowed (the format has no such key)' });
  const missing = validate({ ...MESSAGE, metadata: { priority: "high", version: "1.0" } });
  assert.deepEqual({ ...missing }, { path: "$.metadata", rule: "required", message: '"timestamp" is missing (required)' });
  const odd = validate({ ...MESSAGE, headers: { "a b": 1 } });
  assert.equal(odd?.path, "$.headers");
  const value = validate({ ...MESSAGE, headers: { ok: "" } });
  assert.deepEqual({ ...value }, { path: "$.headers.ok", rule: "minLength", message: "must have at least 1 character" });
});

test("task names count code points, and $ does not match before a final newline", () => {
  const validate = FORMATS["1.0"].publish;
  assert.equal(validate({ ...MESSAGE, task: "😀".repeat(256) }), undefined);
  assert.equal(validate({ ...MESSAGE, task: "😀".repeat(257) })?.rule, "maxLength");
  assert.equal(validate({ ...MESSAGE, headers: { "name\n": "x" } })?.path, "$.headers");
  assert.equal(validate({ ...MESSAGE, task: "tasks.\ud800" })?.rule, "pattern");
});
