// A consumer testee for the Taskhawk contract suite (contract-tests/README.md, "Consumer testee
// protocol"): each body through the TypeScript package's decoder (bindings/typescript, its
// `wire` entry point), answered with its verdict and the call it decodes to.
//
//   python -m tools.conformance consumer -- node contract-tests/runners/node/consumer-testee.mjs

import { createInterface } from "node:readline";
import { ValidationError, decode } from "../../../bindings/typescript/dist/src/wire.js";

function respond(request) {
  if (request.protocol !== 1) return { id: request.id, error: `unsupported protocol ${request.protocol}` };
  try {
    const { id, task, args, kwargs, headers, metadata } = decode(Buffer.from(request.payload_base64, "base64"));
    const decoded = { id, task, args, kwargs, headers, priority: metadata.priority, timestamp_ms: metadata.timestamp };
    if (Object.hasOwn(metadata, "eta")) decoded.eta_ms = metadata.eta;
    if (Object.hasOwn(metadata, "expires")) decoded.expires_ms = metadata.expires;
    return { id: request.id, valid: true, decoded };
  } catch (error) {
    if (error instanceof ValidationError) return { id: request.id, valid: false, error_path: error.path, error: error.message };
    throw error;
  }
}

// Lockstep: each reply is written before the next line is read.
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim() !== "") process.stdout.write(`${JSON.stringify(respond(JSON.parse(line)))}\n`);
}
