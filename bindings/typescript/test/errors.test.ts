// A failed publish names its real cause, from the AWS SDK's own errors: no credentials, the
// credentials refused, nothing listening at the endpoint, a queue or topic never provisioned.
// Only the last is sent to `taskhawk provision`. The endpoint here is a local HTTP server that
// answers as the local endpoint (moto's server) does, status, headers and body.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { PublishError, type PublisherOptions, createPublisher, defineTask } from "../src/index.js";

const task = defineTask<[n: number]>("tasks.count");
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

type Answer = (target: string, body: string) => { status: number; headers: { [name: string]: string }; body: string };

/** SQS speaks JSON (the operation in X-Amz-Target), SNS the query protocol (Action=...). */
async function endpoint(answer: Answer): Promise<string> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const target = request.headers["x-amz-target"] ?? /Action=(\w+)/.exec(body)?.[1] ?? "";
      const reply = answer(String(target), body);
      response.writeHead(reply.status, { "x-amzn-requestid": "r-1", ...reply.headers }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function sqsError(type: string, queryCode: string, message: string): ReturnType<Answer> {
  return {
    status: 400,
    headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-errortype": `com.amazonaws.sqs#${type}`, "x-amzn-query-error": `${queryCode};Sender` },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }),
  };
}

async function failure(options: Partial<PublisherOptions>): Promise<string> {
  const publisher = createPublisher({ queue: "dev-myapp", region: "us-east-1", credentials: CREDENTIALS, connectTimeoutMs: 2000, ...options });
  try {
    await publisher.publish(task.call(1));
  } catch (error) {
    assert.ok(error instanceof PublishError, String(error));
    assert.equal(error.sent.length + error.unknown.size, 0, "nothing can have been sent");
    return [...error.notSent.values()].join("\n");
  } finally {
    publisher.close();
  }
  assert.fail("published");
}

test("a queue that does not exist is named, with `taskhawk provision`", async () => {
  const url = await endpoint(() => sqsError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."));
  const reason = await failure({ endpoint: url });
  assert.match(reason, new RegExp(`^SQS queue TASKHAWK-DEV-MYAPP does not exist at ${url}: \`taskhawk provision\` creates it`));
});

test("a topic that does not exist is named, with `taskhawk provision`", async () => {
  const url = await endpoint(() => ({
    status: 404,
    headers: { "content-type": "text/xml" },
    body: "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r-1</RequestId></ErrorResponse>",
  }));
  const reason = await failure({ endpoint: url, topology: "sns", accountId: "123456789012" });
  assert.match(reason, new RegExp(`^SNS topic taskhawk-dev-myapp does not exist at ${url}: \`taskhawk provision\` creates it`));
});

test("refused credentials are named as such, not as a missing queue", async () => {
  const url = await endpoint(() => sqsError("InvalidClientTokenId", "InvalidClientTokenId", "The security token included in the request is invalid."));
  const reason = await failure({ endpoint: url });
  assert.match(reason, new RegExp(`^${url} refused the credentials \\(InvalidClientTokenId: .*\\): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY`));
  assert.doesNotMatch(reason, /provision|does not exist/);
});

test("an endpoint where nothing listens is named: connection refused", async () => {
  const url = await endpoint(() => sqsError("Unused", "Unused", ""));
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const free = url.replace(/:\d+$/, `:${port}`);
  const reason = await failure({ endpoint: free });
  assert.match(reason, new RegExp(`^cannot connect to ${free}: connection refused: is the endpoint running\\? \\(Error: connect ECONNREFUSED`));
  assert.doesNotMatch(reason, /provision|does not exist/);
});

/** Publish once per topology from a new Node process whose environment has no AWS variables
 * and whose home has no AWS files, as a new user's; each publish's sent, not sent and unknown. */
async function publishedByNewUser(options: string): Promise<[string[], string[], string[]][]> {
  const home = mkdtempSync(join(tmpdir(), "taskhawk-home-"));
  after(() => rmSync(home, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"], HOME: home, AWS_EC2_METADATA_DISABLED: "true", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const program = `
    import { createPublisher, defineTask } from ${JSON.stringify(new URL("../src/index.js", import.meta.url).href)};
    for (const topology of ["sqs", "sns"]) {
      const publisher = createPublisher({ queue: "dev-myapp", topology, accountId: "123456789012", ...${options} });
      try { await publisher.publish(defineTask("tasks.count").call(1)); } catch (error) { console.log(JSON.stringify([error.sent, [...error.notSent.values()], [...error.unknown.values()]])); } finally { publisher.close(); }
    }`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", program], { env, encoding: "utf8", timeout: 30_000 });
  assert.equal(result.stderr, "");
  const outcomes = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as [string[], string[], string[]]);
  assert.equal(outcomes.length, 2, result.stdout);
  for (const [sent, , unknown] of outcomes) assert.deepEqual([sent, unknown], [[], []]); // the SDK gave up before sending
  return outcomes;
}

test("no credentials anywhere: the publish says which variables to set, and that nothing was sent", async () => {
  const url = await endpoint(() => sqsError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."));
  for (const [, notSent] of await publishedByNewUser(JSON.stringify({ region: "us-east-1", endpoint: url }))) {
    assert.match(notSent[0] ?? "", /^no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \(any values work for a local endpoint\)/);
    assert.doesNotMatch(notSent[0] ?? "", /provision|does not exist/);
  }
});

test("no region anywhere: the publish says to set one", async () => {
  const url = await endpoint(() => sqsError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."));
  for (const [, notSent] of await publishedByNewUser(JSON.stringify({ endpoint: url, credentials: CREDENTIALS }))) {
    assert.deepEqual(notSent, ["no AWS region: set AWS_REGION or pass the publisher's `region`"]);
  }
});
