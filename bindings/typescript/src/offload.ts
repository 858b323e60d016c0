// Large payloads through S3, as the Python library sends them (taskhawk/offload.py): with a
// bucket set, a message over its destination's limit (or a threshold, or every message) is put
// in S3 and the queue or topic gets a pointer in the format of AWS's SQS/SNS Extended Client
// Libraries, with the payload's size as the Number attribute ExtendedPayloadSize. The objects are
// put after every call was checked and before the first message is sent, so an S3 failure sends
// nothing.

import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BUCKET_MEMBER, KEY_MEMBER, POINTER_CLASSES, pointerLocation } from "./generated/pointer.js";
import { type Headers, MAX_ATTRIBUTES, type Prepared, RULES, type PublishRules, transportAttributes, transportSize } from "./generated/index.js";

// The pointer's names and check come from its schema (schema/payload-pointer/), generated.
export const [POINTER_CLASS = "", LEGACY_POINTER_CLASS = ""] = POINTER_CLASSES;
export const SIZE_ATTRIBUTE = "ExtendedPayloadSize";
export const LEGACY_SIZE_ATTRIBUTE = "SQSLargePayloadSize";
const NUMBER_ATTRIBUTES = new Set([SIZE_ATTRIBUTE, LEGACY_SIZE_ATTRIBUTE]);

/** Where large bodies are kept: S3, or a test's store. */
export interface PayloadStore {
  put(bucket: string, key: string, body: string): Promise<void>;
}

export class S3PayloadStore implements PayloadStore {
  constructor(private readonly s3: S3Client) {}

  async put(bucket: string, key: string, body: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }
}

/** Which messages go through S3. */
export interface OffloadOptions {
  readonly bucket: string;
  /** Bytes above which a message goes through S3; unset (or larger): the destination's limit. */
  readonly threshold?: number | undefined;
  /** Every message through S3, whatever its size. */
  readonly always?: boolean | undefined;
}

/** A message sent as a pointer, and the body S3 keeps for it. */
export interface Offloaded {
  readonly prepared: Prepared;
  readonly payload?: { readonly bucket: string; readonly key: string; readonly body: string } | undefined;
}

/** The pointer body, as the Java library writes it. */
export function pointerBody(bucket: string, key: string): string {
  return JSON.stringify([POINTER_CLASS, { [BUCKET_MEMBER]: bucket, [KEY_MEMBER]: key }]);
}

/** The pointer a body is, or undefined for any other body. */
export function parsePointer(body: string): { bucket: string; key: string } | undefined {
  if (!body.trimStart().startsWith("[")) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return undefined;
  }
  return pointerLocation(data);
}

/** Rules that let a message of any size through preparation: the offload decides after. */
export function rulesWithoutLimit(options: OffloadOptions | undefined): PublishRules {
  return options === undefined ? RULES : { ...RULES, sizeLimit: () => Number.MAX_SAFE_INTEGER };
}

/** The message as sent: itself, or a pointer to its body in S3 when the options want it. */
export function offload(prepared: Prepared, options: OffloadOptions | undefined): Offloaded {
  if (options === undefined) return { prepared };
  const limit = RULES.sizeLimit(prepared.destination);
  const threshold = Math.min(options.threshold ?? limit, limit);
  if (!(options.always === true || prepared.size > threshold)) return { prepared: { ...prepared, limit } };
  const body = pointerBody(options.bucket, prepared.id);
  const attributes = pointerAttributes(prepared.attributes, Buffer.byteLength(prepared.body, "utf8"));
  const size = transportSize(body, attributes);
  const payload = { bucket: options.bucket, key: prepared.id, body: prepared.body };
  return { prepared: { ...prepared, body, attributes, size, limit }, payload };
}

function pointerAttributes(attributes: Headers, payloadSize: number): Headers {
  const kept = Object.entries(attributes).filter(([name]) => !NUMBER_ATTRIBUTES.has(name));
  // The size first: a dead letter's copy keeps the first attributes (taskhawk/transport/payload_pointer.py).
  return Object.fromEntries([[SIZE_ATTRIBUTE, String(payloadSize)], ...kept.slice(0, MAX_ATTRIBUTES - 1)]);
}

/** Attributes in the SQS and SNS shape: Strings, but a payload's size a Number. */
export function messageAttributes(attributes: Headers): { [name: string]: { DataType: string; StringValue: string } } {
  const shaped = transportAttributes(attributes);
  for (const name of Object.keys(shaped)) {
    const entry = shaped[name];
    if (entry !== undefined && NUMBER_ATTRIBUTES.has(name)) shaped[name] = { ...entry, DataType: "Number" };
  }
  return shaped;
}
