// What an AWS SDK failure means, as one reason that names its cause and what to set or do, as
// the Python library explains boto3's (taskhawk/transport/aws_errors.py). The same failed send
// can have unrelated causes: no credentials, credentials refused, an endpoint that is down, a
// queue or topic never provisioned. Each gets its own words, and only a missing queue or topic
// is sent to `taskhawk provision`.

/** Where a send goes: the queue or topic, and the endpoint that serves it. */
export interface SendTarget {
  readonly kind: "SQS queue" | "SNS topic";
  readonly name: string;
  /** The endpoint URL, or the AWS region when none is set. */
  readonly endpoint: string;
}

// Socket errors that prove no request reached the endpoint: nothing connected.
const NOT_CONNECTED = new Map([
  ["ECONNREFUSED", "connection refused: is the endpoint running?"],
  ["ENOTFOUND", "host not found"],
  ["EAI_AGAIN", "host not found (DNS did not answer)"],
  ["EHOSTUNREACH", "host unreachable"],
  ["ENETUNREACH", "network unreachable"],
]);
const MISSING = new Set(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "NotFound", "NotFoundException"]);
const REFUSED_CREDENTIALS = new Set([
  "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "IncompleteSignature",
  "ExpiredToken", "ExpiredTokenException", "InvalidAccessKeyId", "AuthFailure", "InvalidSecurity",
]);
const DENIED = new Set(["AccessDenied", "AccessDeniedException", "AuthorizationError"]);
const NO_CREDENTIALS =
  "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values work for a local endpoint), " +
  "pass the publisher's `credentials`, or give the SDK's credential chain some (AWS_PROFILE, a role)";
const NO_REGION = "no AWS region: set AWS_REGION or pass the publisher's `region`";

interface ErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

export function fields(error: unknown): ErrorFields {
  return typeof error === "object" && error !== null ? (error as ErrorFields) : {};
}

/** The SDK gave up before making a request: nothing can have been sent, and trying again will
 * not help. */
export function failedBeforeRequest(error: unknown): boolean {
  const { name, message } = fields(error);
  return name === "CredentialsProviderError" || message === "Region is missing";
}

/** No connection was made, so no request reached the endpoint. */
export function notConnected(error: unknown): boolean {
  const { code, name, message } = fields(error);
  if (typeof code === "string" && NOT_CONNECTED.has(code)) return true;
  return name === "TimeoutError" && typeof message === "string" && message.includes("did not establish a connection");
}

/** The error's name and message, as the SDK gives them. */
export function describe(error: unknown): string {
  const { name, message } = fields(error);
  return `${typeof name === "string" ? name : "Error"}: ${typeof message === "string" ? message : String(error)}`;
}

/** Why a send to `target` failed, in words that name the cause and the fix. */
export function explain(error: unknown, target: SendTarget): string {
  const { name, code, message, Code } = fields(error);
  const said = describe(error);
  if (name === "CredentialsProviderError") return `${NO_CREDENTIALS} (${said})`;
  if (message === "Region is missing") return NO_REGION;
  if (typeof code === "string" && NOT_CONNECTED.has(code)) return `cannot connect to ${target.endpoint}: ${NOT_CONNECTED.get(code) ?? code} (${said})`;
  if (notConnected(error)) return `cannot connect to ${target.endpoint}: no connection was made in time (${said})`;
  const codes = [name, Code].filter((value): value is string => typeof value === "string");
  if (codes.some((value) => MISSING.has(value))) {
    return `${target.kind} ${target.name} does not exist at ${target.endpoint}: \`taskhawk provision\` creates it (${said})`;
  }
  if (codes.some((value) => REFUSED_CREDENTIALS.has(value))) {
    return `${target.endpoint} refused the credentials (${said}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or the publisher's \`credentials\``;
  }
  if (codes.some((value) => DENIED.has(value))) return `not allowed to send to ${target.kind} ${target.name} (${said}): grant these credentials the permission`;
  return said;
}
