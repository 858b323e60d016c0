// Shared by the tests: the repository's schema files, Ajv (an independent JSON Schema 2020-12
// validator) compiled from them, a seeded random source, and objects built like parsed JSON.

import { readFileSync, readdirSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";

export const ROOT = new URL("../../../../", import.meta.url);

export function schemaVersions(): string[] {
  return readdirSync(new URL("schema/message/", ROOT)).sort();
}

export function readSchema(version: string, kind: "publish" | "consume"): object {
  return JSON.parse(readFileSync(new URL(`schema/message/${version}/${kind}.json`, ROOT), "utf8")) as object;
}

const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addKeyword("x-format-version");

export function ajvValidator(version: string, kind: "publish" | "consume"): ValidateFunction {
  return ajv.compile(readSchema(version, kind));
}

/** A deterministic random source (mulberry32), so a failing case can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An object whose members are data even when one is named __proto__, as a JSON parser builds. */
export function dataObject(entries: Iterable<readonly [string, unknown]>): { [name: string]: unknown } {
  const result: { [name: string]: unknown } = {};
  for (const [key, value] of entries) {
    Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

export const MESSAGE = {
  id: "0d3d8132-07cb-41ee-bcc3-840b8d5e77d6",
  metadata: { priority: "default", timestamp: 1795831712266, version: "1.0" },
  headers: { request_id: "req-1234" },
  task: "tasks.send_email",
  args: ["email@example.com", "Hello!"],
  kwargs: { from_email: "spam@example.com" },
} as const;
