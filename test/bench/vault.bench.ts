/**
 * The Session API's read path (issue 15), as ratios measured in one run:
 *  - `GET /api/v1/sessions/get/{key}` through the local gateway with app session tokens of 10
 *    end users (from the hosted login: cookie → authorize → code → callback with the PKCE
 *    verifier), taken in turn, against a raw GetItem loop on the same DynamoDB Local: p50 and p99
 *    ratios at c = 1, 8 and 32 (closed loop, load from a separate process:
 *    test/bench/support/load-client.ts). Every request includes the revocation check (the
 *    authenticator's consistent read of the session and the user's revisions; nothing cached):
 *    the run ends by revoking one user and showing its very next request refused;
 *    For scale, each level also measures the same BatchGetItem sent raw from the load client (the
 *    keys of the handler's last batch: what DynamoDB Local itself takes for it), the handler's own
 *    BatchGetItem (SDK send → parsed response, timed in this process), and the dashboard's
 *    `GET /api/v1/me` (a bearer session of the developer) in the same conditions: the platform's
 *    floor for an authenticated read;
 *  - KMS calls per 1,000 requests from those 10 users (the handlers run in this process, so the
 *    shared KMS and DynamoDB clients count every call), and DynamoDB calls per request.
 * The application's workspace is on the pro tier, so the per-user allowance never answers 429.
 * Goals: p50 ≤ 2.0× and p99 ≤ 4.0× the raw GetItem.
 *
 *   npm run bench -- vault
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDb } from '../../functions/aws/client-dynamodb';
import { kms } from '../../functions/aws/client-kms';
import { tableFromEnv } from '../../functions/aws/table';
import { getMe } from '../../functions/contracts/identity';
import { getSessionValue, revokeOwnSessions, setSessionValue } from '../../functions/contracts/sessions';
import { dataLayerFromEnv } from '../../functions/data/from-env';
import { setWorkspaceTier } from '../../functions/workspaces/workspaces';
import { appSessionToken, browserCookie, registerApp } from '../support/hosted-login';
import { call, signUpWithToken } from '../support/http';
import { loadClient, pct } from './support/load';

const LEVELS = (process.env.BENCH_LEVELS ?? '1,8,32').split(',').map(Number);
const REQUESTS = 1_500;
const USERS = 10;
const KMS_WINDOW = 1_000;
const KEY = 'bench-profile';

/** Counts the calls a shared SDK client sends (the handlers run in this process). */
function countCalls(client: { middlewareStack: { add: (mw: any, o: any) => void } }, name: string): { calls: number } {
  const counter = { calls: 0 };
  client.middlewareStack.add(
    (next: (a: unknown) => Promise<unknown>) => async (args: unknown) => {
      counter.calls++;
      return next(args);
    },
    { step: 'initialize', name },
  );
  return counter;
}

/**
 * Remembers the last BatchGetItem input the handlers send and times each one, from the SDK's
 * first middleware to the parsed response (marshalling, signing, the HTTP round trip, parsing).
 */
function watchBatches(client: { middlewareStack: { add: (mw: any, o: any) => void } }): { input?: { RequestItems?: unknown }; ms: number[] } {
  const watch: { input?: { RequestItems?: unknown }; ms: number[] } = { ms: [] };
  client.middlewareStack.add(
    (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: { RequestItems?: unknown } }) => {
      if (context.commandName !== 'BatchGetItemCommand') return next(args);
      const t = performance.now();
      const out = await next(args);
      watch.ms.push(performance.now() - t);
      return out;
    },
    { step: 'initialize', name: 'vaultBenchBatches' },
  );
  // The low-level input (the document client marshals it after the initialize step).
  client.middlewareStack.add(
    (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: { RequestItems?: unknown } }) => {
      if (context.commandName === 'BatchGetItemCommand') watch.input = args.input;
      return next(args);
    },
    { step: 'build', name: 'vaultBenchBatchInput' },
  );
  return watch;
}

/** A pro-tier developer with an application, and 10 end users signed in to it with a value each. */
async function setUp() {
  const developer = await signUpWithToken();
  const data = dataLayerFromEnv();
  await setWorkspaceTier({ repo: data.repo, keyring: data.keyring, audit: data.audit, now: Date.now }, developer.userId, 'pro');
  // Long enough that no token expires during the run.
  const app = await registerApp(developer, { sessionLifetimeSeconds: 3600 });
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await signUpWithToken();
    const sessionToken = await appSessionToken(app, await browserCookie(user));
    const set = await call('POST', setSessionValue.path.replace('{key}', KEY), { token: sessionToken, body: { user: i, note: 'x'.repeat(1000) } });
    if (set.status !== 200) throw new Error(`set: ${set.status} ${set.text}`);
    tokens.push(sessionToken);
  }
  return { tokens, developerToken: developer.token };
}

export async function run(): Promise<void> {
  const baseUrl = process.env.FLAREVAULT_URL;
  if (!baseUrl) throw new Error('no gateway URL in the env (FLAREVAULT_URL)');
  const table = tableFromEnv();
  const rawKey = { pk: `BENCH#raw#${randomBytes(4).toString('hex')}`, sk: 'RAW' };
  await table.doc.send(new PutCommand({ TableName: table.name, Item: { ...rawKey, label: 'x'.repeat(1000) } }));
  const { tokens, developerToken } = await setUp();
  const ddb = countCalls(dynamoDb(), 'vaultBenchDynamoDb');
  const keyCalls = countCalls(kms(), 'vaultBenchKms');
  const batches = watchBatches(dynamoDb());
  const url = `${baseUrl}${getSessionValue.path.replace('{key}', KEY)}`;

  console.log(`Session API get vs raw GetItem (ConsistentRead), ${REQUESTS} requests per phase from ${USERS} users in turn, closed loop, DynamoDB Local:`);
  const missed: string[] = [];
  for (const c of LEVELS) {
    const tRaw = await loadClient({ kind: 'raw', table: table.name, key: rawKey, c, total: REQUESTS });
    const [r50, r99] = [pct(tRaw, 50), pct(tRaw, 99)];
    const before = ddb.calls;
    batches.ms = [];
    const tApi = await loadClient({ kind: 'http', url, tokens, c, total: REQUESTS });
    const perRequest = (ddb.calls - before) / (REQUESTS + Math.min(100, REQUESTS)); // warm-up included
    const [a50, a99] = [pct(tApi, 50), pct(tApi, 99)];
    const inHandler = pct(batches.ms, 50);
    // The same BatchGetItem (the 7 keys of the last request, ConsistentRead) sent raw from the load client:
    // how much of the gap is DynamoDB Local answering a 7-key consistent batch rather than a 1-key GetItem.
    const tBatch = await loadClient({ kind: 'batch', requestItems: batches.input!.RequestItems, c, total: REQUESTS });
    const [q50, q99] = [a50 / r50, a99 / r99];
    const ok = q50 <= 2.0 && q99 <= 4.0;
    if (!ok) missed.push(`c=${c}`);
    // The platform's floor for an authenticated read in the same conditions: the dashboard's GET /api/v1/me.
    const tMe = await loadClient({ kind: 'http', url: `${baseUrl}${getMe.path}`, token: developerToken, c, total: REQUESTS });
    console.log(
      `  c=${String(c).padStart(2)}  raw GetItem p50 ${r50.toFixed(2)} ms p99 ${r99.toFixed(2)} ms | sessions get p50 ${a50.toFixed(2)} ms p99 ${a99.toFixed(2)} ms | ` +
        `ratio p50 ${q50.toFixed(2)}× p99 ${q99.toFixed(2)}×  DynamoDB calls/request ${perRequest.toFixed(2)}  ${ok ? 'goal met' : 'GOAL MISSED'}` +
        `  (GET /api/v1/me: ratio p50 ${(pct(tMe, 50) / r50).toFixed(2)}× p99 ${(pct(tMe, 99) / r99).toFixed(2)}×)` +
        `\n        raw BatchGetItem of the same keys p50 ${pct(tBatch, 50).toFixed(2)} ms (${(pct(tBatch, 50) / r50).toFixed(2)}× the GetItem); ` +
        `the handler's BatchGetItem, SDK send → parsed response, p50 ${inHandler.toFixed(2)} ms`,
    );
  }
  console.log(missed.length ? `  goal (p50 ≤ 2.0×, p99 ≤ 4.0×) missed at ${missed.join(', ')}` : '  goal (p50 ≤ 2.0×, p99 ≤ 4.0×) met at every level');

  const kmsBefore = keyCalls.calls;
  const ddbBefore = ddb.calls;
  // The load client warms up with 100 requests first; they are counted too (their share is stated).
  await loadClient({ kind: 'http', url, tokens, c: 8, total: KMS_WINDOW });
  const sent = KMS_WINDOW + 100;
  console.log(
    `KMS calls per 1,000 Session API gets from ${USERS} users (warm containers): ${(((keyCalls.calls - kmsBefore) / sent) * 1000).toFixed(1)} ` +
      `(${keyCalls.calls - kmsBefore} in ${sent} requests); DynamoDB calls/request ${((ddb.calls - ddbBefore) / sent).toFixed(2)}`,
  );

  const revoke = await call('POST', revokeOwnSessions.path, { token: tokens[0], body: {} });
  const after = await fetch(url, { headers: { authorization: `Bearer ${tokens[0]}` } });
  const other = await fetch(url, { headers: { authorization: `Bearer ${tokens[1]}` } });
  console.log(`revocation on the measured path: revoke ${revoke.status}, that user's next get ${after.status}, another user's next get ${other.status}`);
}
