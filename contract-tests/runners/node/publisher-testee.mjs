// Reference publisher testee for the Taskhawk contract suite (contract-tests/README.md,
// "Publisher testee protocol"), protocols 1 and 2, around the reference publisher in
// publisher.mjs. It reads one request line, answers one line, and only then reads the next.
//
//   python -m tools.conformance publisher -- node contract-tests/runners/node/publisher-testee.mjs

import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { fromInput } from "./case-values.mjs";
import { RULES, Refused, publish } from "./publisher.mjs";

export const PROTOCOLS = [1, 2];
const PROTOCOL_1_APP = { queue: "dev-myapp", topology: "sqs" }; // protocol 1 names no app

export function respond(request, rules = RULES, protocols = PROTOCOLS) {
  if (!protocols.includes(request.protocol)) return { id: request.id, error: `unsupported protocol ${request.protocol}` };
  const input = { ...request.input, args: fromInput(request.input.args), kwargs: fromInput(request.input.kwargs) };
  try {
    const { message_text, attributes, destination } = publish(input, request.protocol >= 2 ? request.app : PROTOCOL_1_APP, rules);
    return request.protocol >= 2 ? { id: request.id, message_text, attributes, destination } : { id: request.id, message_text, attributes };
  } catch (error) {
    if (error instanceof Refused) return { id: request.id, error: error.message };
    throw error;
  }
}

// Lockstep: each reply is written before the next line is read.
export async function serve(rules = RULES, protocols = PROTOCOLS) {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    process.stdout.write(`${JSON.stringify(respond(JSON.parse(line), rules, protocols))}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await serve();
