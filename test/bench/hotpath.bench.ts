/**
 * The authenticated hot path (issue 14 items 2 and 5), as ratios measured in one run:
 *  - `GET /api/v1/me` and a workspace-scoped list (`GET /api/v1/cloudflare/accounts`)
 *    through the local gateway with a bearer session (credential, token revision,
 *    membership, role and the tier allowance checked), against a raw GetItem loop on
 *    the same DynamoDB Local through the same SDK client: p50 and p99 ratios at
 *    c = 1, 8 and 32 (closed loop: c workers, each sends its next request when the
 *    previous one answers; fetch keeps connections alive);
 *  - sign-in: p50 of sequential logins (Argon2id 19 MiB, t = 2) and the DynamoDB
 *    calls one login makes.
 * The load comes from a separate process (test/bench/support/load-client.ts), as wrk's
 * would, so it does not share the gateway's event loop; the raw GetItem loop runs there too.
 * Each API phase uses a fresh user on the pro tier, so the allowance never answers 429.
 * Calls per request: those of the request path, and apart the BatchWriteItem the access-log ingest makes
 * after the answer (these routes write nothing in the request; the ingest runs in this process, as
 * the whole local stack does, so its work shares the gateway's CPU).
 * Goals: p50 ≤ 2.0× and p99 ≤ 4.0× the raw GetItem.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDb } from '../../functions/aws/client-dynamodb';
import { tableFromEnv } from '../../functions/aws/table';
import { dataLayerFromEnv } from '../../functions/data/from-env';
import { signup } from '../../functions/identity/accounts';
import { identityFromEnv } from '../../functions/identity/from-env';
import { setWorkspaceTier } from '../../functions/workspaces/workspaces';
import { loadClient, pct } from './support/load';

const LEVELS = (process.env.BENCH_LEVELS ?? '1,8,32').split(',').map(Number);
const REQUESTS = 1_500;
const LOGINS = 20;
/** Long enough for the local log subscription (200 ms batches) to deliver a phase's access lines. */
const INGEST_SETTLE_MS = 1_000;
/** What the access-log ingest sends (access-log/store.ts); none of it is on the request path. */
const INGEST_COMMANDS = new Set(['BatchWriteItem']);
const PASSWORD = 'violet-Harbor-quantum-92-lantern';

/** Counts the DynamoDB calls the shared client sends (the handlers run in this process). */
function countDynamoDbCalls(): { readonly calls: number; readonly byCommand: Map<string, number> } {
  const counter = { calls: 0, byCommand: new Map<string, number>() };
  dynamoDb().middlewareStack.add(
    (next, context) => async (args) => {
      counter.calls++;
      const name = String(context.commandName ?? '?').replace(/Command$/, '');
      counter.byCommand.set(name, (counter.byCommand.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return counter;
}

async function freshProUser() {
  const { deps } = identityFromEnv();
  const data = dataLayerFromEnv();
  const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
  const ctx = { requestId: 'bench', ip: `198.51.100.${randomBytes(1)[0]}`, userAgent: 'bench' };
  const { user, session } = await signup(deps, { email, password: PASSWORD }, ctx);
  await setWorkspaceTier({ repo: data.repo, keyring: data.keyring, audit: data.audit, now: Date.now }, user.id, 'pro');
  return { email, token: session.token };
}

export async function run(): Promise<void> {
  const baseUrl = process.env.FLAREVAULT_URL ?? process.env.PUBLIC_URL;
  if (!baseUrl) throw new Error('no gateway URL in the env (FLAREVAULT_URL / PUBLIC_URL)');
  const table = tableFromEnv();
  const key = { pk: `BENCH#raw#${randomBytes(4).toString('hex')}`, sk: 'RAW' };
  await table.doc.send(new PutCommand({ TableName: table.name, Item: { ...key, label: 'x'.repeat(200) } }));
  const ddb = countDynamoDbCalls();

  console.log(`authenticated reads vs raw GetItem (ConsistentRead), ${REQUESTS} requests per phase, closed loop, DynamoDB Local:`);
  const verdicts: string[] = [];
  for (const c of LEVELS) {
    const tRaw = await loadClient({ kind: 'raw', table: table.name, key, c, total: REQUESTS });
    const [r50, r99] = [pct(tRaw, 50), pct(tRaw, 99)];
    console.log(`  c=${String(c).padStart(2)}  raw GetItem                     p50 ${r50.toFixed(2)} ms  p99 ${r99.toFixed(2)} ms`);
    // The floor of any API call here: the client → gateway HTTP hop and the toolkit, no AWS call
    // (the public health check answers from its per-container cache). An authenticated read adds at
    // least one DynamoDB round trip to it, so (floor + raw) / raw is the best ratio this stack can show.
    const tFloor = await loadClient({ kind: 'http', url: `${baseUrl}/api/health`, token: 'none', c, total: REQUESTS });
    const f50 = pct(tFloor, 50);
    console.log(
      `  c=${String(c).padStart(2)}  floor: GET /api/health          p50 ${f50.toFixed(2)} ms  p99 ${pct(tFloor, 99).toFixed(2)} ms  ` +
        `(gateway hop, no AWS call): best reachable p50 ratio ${((f50 + r50) / r50).toFixed(2)}×`,
    );
    for (const path of ['/api/v1/me', '/api/v1/cloudflare/accounts']) {
      const user = await freshProUser();
      const before = new Map(ddb.byCommand);
      const tApi = await loadClient({ kind: 'http', url: `${baseUrl}${path}`, token: user.token, c, total: REQUESTS });
      // The access-log ingest writes the phase's entries after the answers (local delivery every 200 ms).
      await new Promise((r) => setTimeout(r, INGEST_SETTLE_MS));
      const sent = REQUESTS + Math.min(100, REQUESTS); // warm-up included
      const perRequest = (pick: (command: string) => boolean) =>
        [...ddb.byCommand].filter(([name]) => pick(name)).reduce((n, [name, v]) => n + v - (before.get(name) ?? 0), 0) / sent;
      const [a50, a99] = [pct(tApi, 50), pct(tApi, 99)];
      const [q50, q99] = [a50 / r50, a99 / r99];
      const ok = q50 <= 2.0 && q99 <= 4.0;
      console.log(
        `  c=${String(c).padStart(2)}  GET ${path.padEnd(28)} p50 ${a50.toFixed(2)} ms  p99 ${a99.toFixed(2)} ms  ` +
          `ratio p50 ${q50.toFixed(2)}× p99 ${q99.toFixed(2)}×  DynamoDB calls/request ${perRequest((n) => !INGEST_COMMANDS.has(n)).toFixed(2)} ` +
          `(+ ${perRequest((n) => INGEST_COMMANDS.has(n)).toFixed(3)} BatchWriteItem by the access-log ingest after the answer)  ${ok ? 'goal met' : 'GOAL MISSED'}`,
      );
      if (!ok) verdicts.push(`${path} at c=${c}`);
    }
  }
  console.log(verdicts.length ? `  goal (p50 ≤ 2.0×, p99 ≤ 4.0×) missed: ${verdicts.join(', ')}` : '  goal (p50 ≤ 2.0×, p99 ≤ 4.0×) met at every level');

  const user = await freshProUser();
  const login = async () => {
    const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: PASSWORD, client: 'token' }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  };
  await login();
  const before = ddb.calls;
  const beforeByCommand = new Map(ddb.byCommand);
  const tLogin: number[] = [];
  for (let i = 0; i < LOGINS; i++) {
    const t = performance.now();
    await login();
    tLogin.push(performance.now() - t);
  }
  console.log(
    `sign-in (Argon2id 19 MiB, t=2), ${LOGINS} sequential logins: p50 ${pct(tLogin, 50).toFixed(1)} ms  ` +
      `DynamoDB calls/login ${((ddb.calls - before) / LOGINS).toFixed(1)} (` +
      [...ddb.byCommand].map(([name, n]) => `${name} ${((n - (beforeByCommand.get(name) ?? 0)) / LOGINS).toFixed(1)}`).filter((x) => !x.endsWith(' 0.0')).join(', ') +
      ')',
  );
}
