// The large-payload vectors (contract-tests/large-payload/): the pointer schema, read by Ajv, and
// the package's pointer reader give each body the verdict the case states; and every pointer the
// publisher writes is valid under the schema.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parsePointer, pointerBody } from "../src/index.js";
import { ROOT } from "./helpers.js";

interface PointerCase {
  readonly id: string;
  readonly body: string;
  readonly pointer: boolean;
}

const vectors = JSON.parse(readFileSync(new URL("contract-tests/large-payload/pointers.json", ROOT), "utf8")) as { schema: string; cases: PointerCase[] };
const schema = JSON.parse(readFileSync(new URL(vectors.schema, ROOT), "utf8")) as object;
const ajv = new Ajv2020({ strict: true, strictRequired: false });
ajv.addKeyword("x-format-version");
const validPointer = ajv.compile(schema);

test("the pointer schema and the reader give every case its verdict", () => {
  assert.ok(vectors.cases.length > 0);
  for (const testCase of vectors.cases) {
    assert.equal(validPointer(JSON.parse(testCase.body)), testCase.pointer, testCase.id);
    assert.equal(parsePointer(testCase.body) !== undefined, testCase.pointer, testCase.id);
  }
});

test("the pointer the publisher writes is valid under the schema and reads back", () => {
  const body = pointerBody("my-payloads", "0d3d8132-07cb-41ee-bcc3-840b8d5e77d6");
  assert.ok(validPointer(JSON.parse(body)));
  assert.deepEqual(parsePointer(body), { bucket: "my-payloads", key: "0d3d8132-07cb-41ee-bcc3-840b8d5e77d6" });
});
