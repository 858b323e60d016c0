// Typed task definitions. The @ts-expect-error lines are part of the test: the build (tsc)
// fails if any of them stops being a type error.

import assert from "node:assert/strict";
import { test } from "node:test";
import { type JsonArgument, Publisher, ValidationError, defineTask } from "../src/index.js";

const sendEmail = defineTask<[to: string, subject: string], { from_email?: string }>("tasks.send_email");
const resize = defineTask<[key: string, sizes: readonly number[]], { quality: number }>("images.resize");
const tick = defineTask("tasks.tick");

test("a call carries the task's name, arguments, priority and headers", () => {
  assert.deepEqual(sendEmail.call("ada@example.com", "Welcome!"), { task: "tasks.send_email", args: ["ada@example.com", "Welcome!"], kwargs: {} });
  const call = sendEmail.withHeaders({ request_id: "1" }).withHeaders({ request_id: "2", trace: "t" }).withPriority("high").callWith(
    ["ada@example.com", "Welcome!"],
    { from_email: "x@example.com" },
  );
  assert.deepEqual(call, {
    task: "tasks.send_email",
    args: ["ada@example.com", "Welcome!"],
    kwargs: { from_email: "x@example.com" },
    priority: "high",
    headers: { request_id: "2", trace: "t" },
  });
  assert.deepEqual(resize.callWith(["k", [1, 2]], { quality: 80 }).kwargs, { quality: 80 });
  assert.deepEqual(tick.call().args, []);
  assert.deepEqual(sendEmail.callWith(["a", "b"], {}).kwargs, {}); // an optional keyword left out
});

test("delays and expiries ride on the call; what can never be a moment is refused at once", () => {
  const later = new Date(Date.UTC(2030, 0, 1));
  assert.deepEqual(sendEmail.withDelay(60).withExpires(later).call("a", "b"), {
    task: "tasks.send_email", args: ["a", "b"], kwargs: {}, delay: 60, expires: later,
  });
  assert.throws(() => sendEmail.withDelay(-5), { path: "$.metadata.eta" });
  assert.throws(() => sendEmail.withExpires(new Date("not a date")), { path: "$.metadata.expires" });
});

test("definitions are immutable: with* returns a new one", () => {
  const high = sendEmail.withPriority("high");
  assert.equal(sendEmail.options.priority, undefined);
  assert.equal(high.options.priority, "high");
});

test("the compiler checks every call against the declared types", () => {
  // @ts-expect-error: a missing positional argument
  sendEmail.call("ada@example.com");
  // @ts-expect-error: a number where a string is declared
  sendEmail.call("ada@example.com", 7);
  // @ts-expect-error: an extra positional argument
  sendEmail.call("ada@example.com", "Welcome!", "again");
  // @ts-expect-error: an undeclared keyword argument
  sendEmail.callWith(["a", "b"], { form_email: "typo@example.com" });
  // @ts-expect-error: a required keyword argument cannot be left out by call()
  resize.call("k", [1]);
  // @ts-expect-error: not a priority
  sendEmail.withPriority("urgent");
  // @ts-expect-error: a header value must be a string
  sendEmail.withHeaders({ retries: 3 });
  // @ts-expect-error: a delay is seconds or a Date (and refused at run time too)
  assert.throws(() => sendEmail.withDelay("1h"));
  // @ts-expect-error: a Date is not a JSON value
  defineTask<[when: Date]>("tasks.at");
  // @ts-expect-error: nor is undefined in an argument list, where the argument is required
  defineTask<[maybe: string | undefined]>("tasks.maybe");
  // @ts-expect-error: nor an optional Date
  defineTask<[n: number, when?: Date]>("tasks.at");
  assert.ok(true);
});

const prepare = (call: ReturnType<typeof tick.call>) => new Publisher({ queue: "dev-myapp", transport: { send: () => assert.fail("sent") } }).prepare(call);

function refusal(make: () => unknown): ValidationError {
  try {
    make();
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error;
  }
  assert.fail("not refused");
}

test("optional positional arguments: left out, or undefined at the end, they are not sent", () => {
  const label = defineTask<[n: number, label?: string]>("tasks.label");
  assert.deepEqual(label.call(1).args, [1]);
  assert.deepEqual(label.call(1, "x").args, [1, "x"]);
  assert.deepEqual(label.call(1, undefined).args, [1]);
  assert.deepEqual(label.callWith([1, undefined], {}).args, [1]);
  assert.deepEqual(label.callWith([1], {}).args, [1]);
  // @ts-expect-error: a required one is never undefined
  label.call(undefined);
  // @ts-expect-error: nor a string where a number is declared
  label.callWith(["1"], {});
  const both = defineTask<[first?: number, second?: string]>("tasks.both");
  assert.deepEqual(both.call().args, []);
  // A gap cannot be sent by position: the Python side would take "x" as `first`.
  assert.equal(refusal(() => prepare(both.call(undefined, "x"))).path, "$.args[0]");
});

test("under exactOptionalPropertyTypes an optional keyword argument may be undefined, and is not sent", () => {
  const from: string | undefined = process.env["TASKHAWK_NO_SUCH_VARIABLE"];
  assert.deepEqual(sendEmail.callWith(["a", "b"], { from_email: from }).kwargs, {});
  assert.deepEqual(sendEmail.callWith(["a", "b"], { from_email: from ?? "x@example.com" }).kwargs, { from_email: "x@example.com" });
  // @ts-expect-error: a required keyword argument is never undefined
  resize.callWith(["k", [1]], { quality: undefined });
});

test("a Symbol-keyed member is refused, not dropped", () => {
  const configure = defineTask<[options: { readonly [name: string]: JsonArgument }]>("tasks.configure");
  const options = { retries: 3, [Symbol("secret")]: "s" };
  const refused = refusal(() => prepare(configure.call(options)));
  assert.equal(refused.path, "$.args[0]");
  assert.match(refused.message, /Symbol\(secret\).*JSON/);
  const kwargs = { [Symbol("flag")]: true } as Record<never, never>;
  assert.equal(refusal(() => prepare(tick.callWith([], kwargs))).path, "$.kwargs");
});
