// Typed task definitions. The @ts-expect-error lines are part of the test: the build (tsc)
// fails if any of them stops being a type error.

import assert from "node:assert/strict";
import { test } from "node:test";
import { defineTask } from "../src/index.js";

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
  // @ts-expect-error: nor is undefined in an argument list
  defineTask<[maybe: string | undefined]>("tasks.maybe");
  assert.ok(true);
});
