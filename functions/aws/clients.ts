/**
 * What every AWS SDK v3 client shares: made lazily once per container, with
 * timeouts and bounded retries. Each client lives in its own module
 * (`client-dynamodb.ts`, `client-kms.ts`, `client-sqs.ts`, `client-s3.ts`)
 * importing only its own SDK package, so a function bundles and loads only
 * the clients it uses (loading all five took ~120 ms of every cold start).
 * This module imports no SDK package. Endpoints come from the standard
 * `AWS_ENDPOINT_URL_<SERVICE>` variables (the local runtime and tests set
 * them), so there is no local branch. These are the only modules in
 * functions/ that hold global state for AWS; domain modules receive the
 * clients as ports.
 *
 * Every client has a connection timeout, a total request timeout and bounded
 * retries, so a stalled or unreachable service fails within seconds (the HTTP
 * toolkit answers 503 + Retry-After, see faults.ts) instead of holding the
 * request until the function times out. DynamoDB, KMS and SQS calls are small
 * (p99 in tens of ms): 2 s per attempt, 2 attempts, ≈ 4 s worst case. S3
 * carries backup parts of several MiB, so its requests get longer.
 */

export const SMALL_CALLS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
} as const;
export const LARGE_BODIES = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
} as const;

const resets = new Set<() => void>();

/** `get()` makes the client on first use and then returns the same one; `destroy` runs on reset. */
export function lazyClient<C>(make: () => C, destroy: (client: C) => void): () => C {
  let client: C | undefined;
  resets.add(() => {
    if (client !== undefined) destroy(client);
    client = undefined;
  });
  return () => (client ??= make());
}

/** Drop every client made so far (after env changes); the next use makes a new one. */
export function resetClientsForTests(): void {
  for (const reset of resets) reset();
}
