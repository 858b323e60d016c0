// Node runner for the Taskhawk contract vectors: plain JSON.parse + Ajv (JSON Schema 2020-12).
// Checks the corpus against MANIFEST.json and the meta-schemas, every consumer vector's verdict
// (and, for required vectors, the decoded call), and that every expected message of the
// publisher cases is valid under publish.json. Where a plain JSON parser and schema validator
// cannot reach a consumer's verdict (decisions such as duplicate keys), the case is listed in
// contract-tests/failure-lists/node-consumer.txt.
//
//   node contract-tests/runners/node/consumer.mjs [--failure-list FILE] [--junit FILE]

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

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

// Ajv's verdict on the raw body: undecodable or unparsable text is invalid.
function verdict(schemaPath, payload) {
  let data;
  try {
    data = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    return { valid: false };
  }
  return { valid: validatorFor(schemaPath)(data), data };
}

function consumerProblems(file, testCase) {
  const payload = "payload_base64" in testCase ? Buffer.from(testCase.payload_base64, "base64") : Buffer.from(testCase.payload_text, "utf8");
  const { valid, data } = verdict(file.document.schema, payload);
  if (valid !== testCase.valid) return [`JSON.parse + Ajv say valid=${valid}, consumers must say ${testCase.valid}`];
  if (!valid || file.group !== "required") return [];
  const call = { id: data.id, task: data.task, args: data.args, kwargs: data.kwargs, headers: data.headers, priority: data.metadata.priority, timestamp_ms: data.metadata.timestamp };
  return isDeepStrictEqual(call, testCase.decoded) ? [] : [`decoded call differs: ${JSON.stringify(call)}`];
}

function publishProblems(file, testCase) {
  if (!("message" in testCase.expected)) return [];
  const validate = validatorFor(file.document.schema);
  return validate(testCase.expected.message) ? [] : [`expected message invalid: ${ajv.errorsText(validate.errors)}`];
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
console.log(`${LABEL}: ${passed} passed, ${failed} failed, ${result.outcomes.length - passed - failed + result.runProblems.length} skipped`);
process.exitCode = failed === 0 ? 0 : 1;
