// Parses the AsyncAPI description generated from schema/ (asyncapi/taskhawk.json, `make
// generate`) with AsyncAPI's own parser, which validates it against the AsyncAPI 3.0 specification
// and its rules, and prints one line per finding. Exit 1 on any error.
//
//   node contract-tests/runners/node/asyncapi-check.mjs [FILE]

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Parser, fromFile } from "@asyncapi/parser";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
const file = resolve(process.argv[2] ?? `${ROOT}/asyncapi/taskhawk.json`);
const SEVERITY = ["error", "warning", "info", "hint"];

const { document, diagnostics } = await fromFile(new Parser(), file).parse();
for (const finding of diagnostics) {
  process.stdout.write(`${SEVERITY[finding.severity] ?? finding.severity} ${finding.code} ${finding.path.join(".")}: ${finding.message}\n`);
}
const errors = diagnostics.filter((finding) => finding.severity === 0).length;
if (document === undefined || errors > 0) {
  process.stdout.write(`asyncapi: ${file} does not parse (${errors} errors)\n`);
  process.exitCode = 1;
} else {
  const channels = document.channels().all().map((channel) => channel.address());
  const messages = document.components().messages().all().map((message) => message.name());
  process.stdout.write(`asyncapi: ${document.version()} document, ${channels.length} channels (${channels.join(", ")}), ${document.operations().length} operations, messages ${messages.join(", ")}\n`);
}
