// Node runner for the Taskhawk contract vectors: the decoder of the generated TypeScript package
// (bindings/typescript: a strict parser, the compiled validators and every decision of
// schema/README.md) against every consumer vector, its verdict, its error path and, for valid
// ones, the decoded call. Ajv 2020, an independent validator, checks the package's compiled
// validators wherever JSON.parse reads a body, each decision vector's `schema_valid` (what
// JSON.parse + Ajv alone say), the corpus against MANIFEST.json and the meta-schemas, and that
// every expected message of the publisher cases is valid under publish.json. Cases it cannot
// pass are listed, with the reason, in contract-tests/failure-lists/node-consumer.txt.
//
//   node contract-tests/runners/node/consumer.mjs [--failure-list FILE] [--junit FILE]

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { FORMATS, ValidationError, decode } from "../../../bindings/typescript/dist/src/wire.js";
import { expandRepeats } from "./case-values.mjs";
import { sameJSON } from "./same-json.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTRACT = join(HERE, "..", "..");
const ROOT = join(CONTRACT, "..");
const LABEL = "node-consumer";

const { values: options } = parseArgs({
  options: {
    "failure-list": { type: "string", default: join(CONTRACT, "failure-lists", "node-consumer.txt") },
    junit: { type: "string" },
    verbose: { type: "boolean", default: false },
  },
});

const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
ajv.addKeyword("x-format-version");
const compiled = new Map();
function validatorFor(path) {
  if (!compiled.has(path)) compiled.set(path, ajv.compile(JSON.parse(readFileSync(join(ROOT, path), "utf8"))));
  return compiled.get(path);
}

// The package's decode, as a verdict and the call it decodes to.
function decodeResult(bytes) {
  try {
    const { id, task, args, kwargs, headers, metadata } = decode(bytes);
    const decoded = { id, task, args, kwargs, headers, priority: metadata.priority, timestamp_ms: metadata.timestamp };
    // Format 1.1: when the task may start, and until when.
    if (Object.hasOwn(metadata, "eta")) decoded.eta_ms = metadata.eta;
    if (Object.hasOwn(metadata, "expires")) decoded.expires_ms = metadata.expires;
    return { valid: true, decoded };
  } catch (error) {
    if (error instanceof ValidationError) return { valid: false, path: error.path, reason: error.message };
    throw error;
  }
}

function manifestProblems() {
  const manifest = JSON.parse(readFileSync(join(CONTRACT, "MANIFEST.json"), "utf8"));
  const problems = [];
  for (const [path, digest] of Object.entries(manifest.files)) {
    const actual = createHash("sha256").update(readFileSync(join(ROOT, path))).digest("hex");
    if (actual !== digest) problems.push(`MANIFEST.json: ${path} has sha256 ${actual}, not ${digest}`);
  }
  return problems;
}

function vectorFiles() {
  const found = [];
  for (const major of readdirSync(CONTRACT).filter((name) => /^v[0-9]+$/.test(name)).sort()) {
    for (const group of readdirSync(join(CONTRACT, major)).sort()) {
      for (const name of readdirSync(join(CONTRACT, major, group)).filter((n) => n.endsWith(".json")).sort()) {
        const path = join(CONTRACT, major, group, name);
        found.push({ path: relative(CONTRACT, path), group, document: JSON.parse(readFileSync(path, "utf8")) });
      }
    }
  }
  return found;
}

// The exact body bytes of a vector: payload_text, payload_base64 or payload_parts.
function payloadBytes(testCase) {
  if ("payload_base64" in testCase) return Buffer.from(testCase.payload_base64, "base64");
  if ("payload_text" in testCase) return Buffer.from(testCase.payload_text, "utf8");
  return Buffer.from(testCase.payload_parts.map(expandRepeats).join(""), "utf8");
}

// The body as plain JSON.parse reads it; undefined when it cannot (NaN, which Python's parser
// reads, or text that is not UTF-8).
function plainData(bytes) {
  try {
    return { data: JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes)) };
  } catch {
    return undefined;
  }
}

// The package's compiled validator for a schema path (schema/message/<version>/<kind>.json).
function compiledFor(schemaPath) {
  const [, , version, file] = schemaPath.split("/");
  return FORMATS[version][file.replace(".json", "")];
}

function consumerProblems(file, testCase) {
  const bytes = payloadBytes(testCase);
  const problems = [];
  const plain = plainData(bytes);
  if (plain !== undefined) {
    const ajvValid = validatorFor(file.document.schema)(plain.data);
    if ("schema_valid" in testCase && ajvValid !== testCase.schema_valid) {
      problems.push(`JSON.parse + Ajv do not give the recorded schema_valid=${testCase.schema_valid}`);
    }
    if ((compiledFor(file.document.schema)(plain.data) === undefined) !== ajvValid) {
      problems.push(`the package's compiled validator and Ajv disagree (Ajv: ${ajvValid ? "valid" : "invalid"})`);
    }
  }
  const result = decodeResult(bytes);
  if (result.valid !== testCase.valid) {
    problems.push(result.valid ? "decoded a message every consumer must refuse" : `refused a valid message: ${result.reason}`);
  } else if (result.valid && !sameJSON(result.decoded, expandRepeats(testCase.decoded))) {
    problems.push(`decoded call differs: ${JSON.stringify(result.decoded).slice(0, 300)}`);
  } else if (!result.valid && "error_path" in testCase && result.path !== testCase.error_path) {
    problems.push(`error path ${result.path}, expected ${testCase.error_path}: ${result.reason}`);
  }
  return problems;
}

function publishProblems(file, testCase) {
  if (!("message" in testCase.expected)) return [];
  const validate = validatorFor(file.document.schema);
  // A message whose id or timestamp the publisher makes itself is checked with stand-ins.
  const message = expandRepeats(testCase.expected.message);
  message.id ??= "00000000-0000-4000-8000-000000000000";
  message.metadata.timestamp ??= 0;
  const problems = validate(message) ? [] : [`expected message invalid: ${ajv.errorsText(validate.errors)}`];
  const compiled = compiledFor(file.document.schema)(message);
  if ((compiled === undefined) !== problems.length < 1) problems.push("the package's compiled publish validator and Ajv disagree");
  return problems;
}

function readFailureList(path) {
  const entries = new Map();
  let text = "";
  try { text = readFileSync(path, "utf8"); } catch { return entries; }
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-z0-9-]+)\s*(?:#\s*(.*))?$/.exec(line);
    if (!match) throw new Error(`${path}: bad line ${JSON.stringify(line)}`);
    entries.set(match[1], match[2] ?? "");
  }
  return entries;
}

function run() {
  const runProblems = manifestProblems();
  const meta = {
    vectors: ajv.compile(JSON.parse(readFileSync(join(CONTRACT, "vectors.schema.json"), "utf8"))),
    publish: ajv.compile(JSON.parse(readFileSync(join(CONTRACT, "publish-cases.schema.json"), "utf8"))),
  };
  const outcomes = [];
  for (const file of vectorFiles()) {
    const check = file.group === "publish" ? meta.publish : meta.vectors;
    if (!check(file.document)) runProblems.push(`${file.path}: ${ajv.errorsText(check.errors)}`);
    for (const testCase of file.document.cases ?? []) {
      const problems = file.group === "publish" ? publishProblems(file, testCase) : consumerProblems(file, testCase);
      outcomes.push({ id: testCase.id, group: `${file.path.split("/")[0]}.${file.group}`, problems, status: "passed", note: "" });
    }
  }
  return { outcomes, runProblems };
}

function reconcile({ outcomes, runProblems }, failures, listName) {
  const known = new Set(outcomes.map((o) => o.id));
  for (const outcome of outcomes) {
    const listed = failures.has(outcome.id);
    if (outcome.problems.length > 0) {
      outcome.status = listed ? "expected" : "failed";
      if (listed) outcome.note = `expected failure (${failures.get(outcome.id) || "no reason given"})`;
    } else if (listed) {
      outcome.status = "failed";
      outcome.problems.push(`stale entry: passes now, remove it from ${listName}`);
    }
  }
  for (const id of failures.keys()) if (!known.has(id)) runProblems.push(`${listName}: unknown case id ${id}`);
}

function escapeXml(text) {
  return String(text).replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);
}

function writeJunit(path, { outcomes, runProblems }) {
  const count = (status) => outcomes.filter((o) => o.status === status).length;
  const cases = outcomes.map((o) => {
    const open = `<testcase classname="${LABEL}.${escapeXml(o.group)}" name="${escapeXml(o.id)}"`;
    if (o.status === "failed") return `${open}><failure message="${escapeXml(o.problems[0])}">${escapeXml(o.problems.join("\n"))}</failure></testcase>`;
    if (o.status === "expected") return `${open}><skipped message="${escapeXml(o.note)}"/></testcase>`;
    return `${open}/>`;
  });
  runProblems.forEach((p, i) => cases.push(`<testcase classname="${LABEL}" name="run-${i + 1}"><failure message="${escapeXml(p)}"/></testcase>`));
  const suite = `<testsuite name="${LABEL}" tests="${cases.length}" failures="${count("failed") + runProblems.length}" skipped="${count("expected")}" errors="0">`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `<?xml version="1.0" encoding="utf-8"?>\n<testsuites>${suite}${cases.join("")}</testsuite></testsuites>\n`);
}

const result = run();
const listName = relative(ROOT, options["failure-list"]);
reconcile(result, readFailureList(options["failure-list"]), listName);
for (const o of result.outcomes) {
  if (o.status === "failed") for (const p of o.problems) console.log(`FAIL ${o.id}: ${p}`);
  else if (o.status === "expected") console.log(`XFAIL ${o.id}: ${o.note}`);
  else if (options.verbose) console.log(`ok ${o.id}`);
}
for (const p of result.runProblems) console.log(`ERROR ${LABEL}: ${p}`);
if (options.junit) writeJunit(options.junit, result);
const failed = result.outcomes.filter((o) => o.status === "failed").length + result.runProblems.length;
const passed = result.outcomes.filter((o) => o.status === "passed").length;
const skipped = result.outcomes.filter((o) => o.status === "expected").length;
console.log(`${LABEL}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed === 0 ? 0 : 1;
