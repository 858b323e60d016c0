// The package as an application gets it: packed by `npm pack`, unpacked into the node_modules of
// a new project, with the runtime dependencies the lock file names (what `npm install` would
// add, taken from this package's own node_modules, so nothing is downloaded). It must load from
// CommonJS (`require`, and TypeScript compiled for a project without "type": "module") and from
// ESM alike, with and without the optional OpenTelemetry API.

import assert from "node:assert/strict";
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

const PACKAGE = fileURLToPath(new URL("../../", import.meta.url));
// The SDK's own notice that its releases after January 2027 need Node 22 (docs: "Installing").
const ENV = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

let scratch = "";
let tarball = "";

before(() => {
  scratch = mkdtempSync(join(tmpdir(), "taskhawk-package-"));
  const packed = run("npm", ["pack", "--json", "--pack-destination", scratch], PACKAGE);
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  tarball = join(scratch, filename);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: ENV, encoding: "utf8", timeout: 60_000 });
  assert.equal(result.status, 0, `${command} ${args.join(" ")}: ${result.stderr}${result.stdout}`);
  return result;
}

/** The packages `npm install --omit=dev` would put beside this one: the lock file's non-dev ones. */
function runtimeDependencies(): string[] {
  const lock = JSON.parse(readFileSync(join(PACKAGE, "package-lock.json"), "utf8")) as { packages: { [path: string]: { dev?: boolean } } };
  const top = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/;
  return Object.entries(lock.packages).flatMap(([path, entry]) => (entry.dev === true ? [] : (top.exec(path)?.slice(1) ?? [])));
}

/** A new project of `type` holding the packed package; `extra` are more packages to link in. */
function project(name: string, type: "module" | "commonjs" | undefined, extra: readonly string[]): string {
  const root = join(scratch, name);
  const installed = join(root, "node_modules", "taskhawk");
  mkdirSync(installed, { recursive: true });
  run("tar", ["-xzf", tarball, "--strip-components=1", "-C", installed], root);
  for (const dependency of [...runtimeDependencies(), ...extra]) {
    const link = join(root, "node_modules", dependency);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(PACKAGE, "node_modules", dependency), link, "dir");
  }
  writeFileSync(join(root, "package.json"), JSON.stringify({ name, private: true, ...(type === undefined ? {} : { type }) }));
  return root;
}

const USES = `
const publisher = createPublisher({ queue: "dev-myapp", region: "us-east-1" });
const prepared = publisher.prepare(defineTask<[to: string]>("tasks.send_email").withPriority("high").call("ada@example.com"));
publisher.close();
const error = new PublishError("x", [], new Map(), new Map());
const label = defineTask<[n: number, label?: string], { from_email?: string }>("tasks.label");
const maybe = process.env["TASKHAWK_NO_SUCH_VARIABLE"];
const args = [label.call(1, maybe).args, label.callWith([2, maybe], { from_email: maybe }).args];
console.log(JSON.stringify({ tracing: tracingAvailable(), destination: prepared.destination, name: queueName("dev-myapp", "low"), isError: error instanceof Error, args }));
`;
const IMPORTS = `import { PublishError, createPublisher, defineTask, tracingAvailable } from "taskhawk";\nimport { queueName } from "taskhawk/wire";\n`;
const REQUIRES = `const { PublishError, createPublisher, defineTask, tracingAvailable } = require("taskhawk");\nconst { queueName } = require("taskhawk/wire");\n`;
const JAVASCRIPT = (source: string) => source.replace(/defineTask<[^(]*>\(/g, "defineTask(");

function expected(tracing: boolean): object {
  return { tracing, destination: { transport: "sqs", queue: "TASKHAWK-DEV-MYAPP-HIGH-PRIORITY" }, name: "TASKHAWK-DEV-MYAPP-LOW-PRIORITY", isError: true, args: [[1], [2]] };
}

function outcome(root: string, program: string): unknown {
  const result = run(process.execPath, [program], root);
  assert.equal(result.stderr, "");
  return JSON.parse(result.stdout);
}

for (const tracing of [false, true]) {
  const extra = tracing ? ["@opentelemetry/api"] : [];
  const label = tracing ? "with" : "without";

  test(`require("taskhawk") loads the package, ${label} the OpenTelemetry API`, () => {
    const root = project(`cjs-${label}`, undefined, extra);
    writeFileSync(join(root, "main.cjs"), JAVASCRIPT(REQUIRES + USES));
    writeFileSync(join(root, "main.js"), JAVASCRIPT(REQUIRES + USES)); // no "type": CommonJS
    assert.deepEqual(outcome(root, "main.cjs"), expected(tracing));
    assert.deepEqual(outcome(root, "main.js"), expected(tracing));
  });

  test(`import from "taskhawk" loads the package, ${label} the OpenTelemetry API`, () => {
    const root = project(`esm-${label}`, "module", extra);
    writeFileSync(join(root, "main.mjs"), JAVASCRIPT(IMPORTS + USES));
    writeFileSync(join(root, "main.js"), JAVASCRIPT(IMPORTS + USES));
    assert.deepEqual(outcome(root, "main.mjs"), expected(tracing));
    assert.deepEqual(outcome(root, "main.js"), expected(tracing));
  });
}

for (const type of [undefined, "commonjs", "module"] as const) {
  test(`a TypeScript project (package.json "type": ${type ?? "unset"}) compiles against the package and runs`, () => {
    const root = project(`ts-${type ?? "unset"}`, type, ["@types/node"]);
    const exactOptionalPropertyTypes = type !== "commonjs"; // both ways
    const compilerOptions = { module: type === undefined ? "commonjs" : "nodenext", target: "es2022", strict: true, exactOptionalPropertyTypes, skipLibCheck: true, types: ["node"] };
    writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["main.ts"] }));
    writeFileSync(join(root, "main.ts"), IMPORTS + USES);
    run(join(PACKAGE, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], root);
    const compiled = readFileSync(join(root, "main.js"), "utf8");
    assert.equal(compiled.includes('require("taskhawk")'), type !== "module", compiled);
    assert.deepEqual(outcome(root, "main.js"), expected(false));
  });
}

test("call() on a task with a required keyword argument: the compiler says to use callWith", () => {
  const root = project("ts-refused", "module", ["@types/node"]);
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "nodenext", strict: true, skipLibCheck: true, noEmit: true }, files: ["main.ts"] }));
  writeFileSync(join(root, "main.ts"), `import { defineTask } from "taskhawk";\ndefineTask<[to: string], { subject: string }>("tasks.send").call("ada@example.com");\n`);
  const result = spawnSync(join(PACKAGE, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: root, encoding: "utf8" });
  assert.notEqual(result.status, 0, result.stdout);
  assert.match(result.stdout, /main\.ts\(2,\d+\): error TS2345: .*this task has a required keyword argument: use callWith\(args, kwargs\)/);
  assert.doesNotMatch(result.stdout, /'never'/);
});

test("the tarball `npm pack` leaves in the package's directory is ignored by git", (context) => {
  const filename = tarball.slice(scratch.length + 1);
  const checked = spawnSync("git", ["check-ignore", "--quiet", "--no-index", filename], { cwd: PACKAGE });
  if (checked.status === 128 || checked.error !== undefined) return context.skip("not a git checkout");
  assert.equal(checked.status, 0, `${filename} would show as untracked`);
});

test("the Node versions the docs and engines state are the ones the pinned AWS SDK supports without a warning", () => {
  const notice = readFileSync(join(PACKAGE, "node_modules/@aws-sdk/core/dist-es/submodules/client/emitWarningIfUnsupportedVersion.js"), "utf8");
  const silencer = /process\.env\.(\w+) === "true"/.exec(notice)?.[1];
  const quiet = Number(/const vv = (\d+);/.exec(notice)?.[1]);
  assert.ok(silencer !== undefined && quiet > 20, notice);
  const manifest = JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8")) as { engines: { node: string } };
  assert.equal(manifest.engines.node, "^20.19.0 || >=22.12.0"); // require() of an ES module, unflagged
  const docs = readFileSync(join(PACKAGE, "../../docs/publishing-from-node.md"), "utf8").replace(/\s+/g, " ");
  assert.ok(docs.includes(`Node 20.19 or later`), "the docs state the oldest Node that runs the package");
  assert.ok(docs.includes(`Node ${quiet} or later`) && docs.includes(`${silencer}=true`), "the docs say when the SDK warns and how to silence it");

  const program = `const { SQSClient } = require("@aws-sdk/client-sqs"); new SQSClient({ region: "us-east-1" }).destroy();`;
  const without = { ...process.env };
  delete without[silencer];
  const warned = spawnSync(process.execPath, ["-e", program], { cwd: PACKAGE, env: without, encoding: "utf8" });
  assert.equal(warned.stderr.includes("NodeVersionSupportWarning"), Number(process.versions.node.split(".")[0]) < quiet, warned.stderr);
  const silenced = spawnSync(process.execPath, ["-e", program], { cwd: PACKAGE, env: { ...without, [silencer]: "true" }, encoding: "utf8" });
  assert.equal(silenced.stderr, "");
});
