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
 * Each API phase uses a fresh user on the pro tier, so the allowance never answers 429.
 * Goals: p50 ≤ 2.0× and p99 ≤ 4.0× the raw GetItem.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDb } from '../../functions/aws/client-dynamodb';
import { tableFromEnv } from '../../functions/aws/table';
import { dataLayerFromEnv } from '../../functions/data/from-env';
import { signup } from '../../functions/identity/accounts';
import { identityFromEnv } from '../../functions/identity/from-env';
import { setWorkspaceTier } from '../../functions/workspaces/workspaces';

const LEVELS = (process.env.BENCH_LEVELS ?? '1,8,32').split(',').map(Number);
const REQUESTS = 1_500;
const WARMUP = 100;
const LOGINS = 20;
const PASSWORD = 'violet-Harbor-quantum-92-lantern';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** Runs `total` calls of `one` with `c` in flight at a time; per-call latencies in ms. */
async function closedLoop(c: number, total: number, one: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  let left = total;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (left-- > 0) {
        const t = performance.now();
        await one();
        times.push(performance.now() - t);
      }
    }),
  );
  return times;
}

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

async function freshProUser(baseUrl: string) {
  const { deps } = identityFromEnv();
  const data = dataLayerFromEnv();
  const email = `bench-${randomBytes(6).toString('hex')}@example.com`;
  const ctx = { requestId: 'bench', ip: `198.51.100.${randomBytes(1)[0]}`, userAgent: 'bench' };
  const { user, session } = await signup(deps, { email, password: PASSWORD }, ctx);
  await setWorkspaceTier({ repo: data.repo, keyring: data.keyring, audit: data.audit, now: Date.now }, user.id, 'pro');
  const headers = { authorization: `Bearer ${session.token}` };
  return {
    email,
    get: async (path: string) => {
      const res = await fetch(`${baseUrl}${path}`, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    },
  };
}

export async function run(): Promise<void> {
  const baseUrl = process.env.FLAREVAULT_URL ?? process.env.PUBLIC_URL;
  if (!baseUrl) throw new Error('no gateway URL in the env (FLAREVAULT_URL / PUBLIC_URL)');
  const table = tableFromEnv();
  const key = { pk: `BENCH#raw#${randomBytes(4).toString('hex')}`, sk: 'RAW' };
  await table.doc.send(new PutCommand({ TableName: table.name, Item: { ...key, label: 'x'.repeat(200) } }));
  const raw = async () => {
    await table.doc.send(new GetCommand({ TableName: table.name, Key: key, ConsistentRead: true }));
  };
  const ddb = countDynamoDbCalls();

  console.log(`authenticated reads vs raw GetItem (ConsistentRead), ${REQUESTS} requests per phase, closed loop, DynamoDB Local:`);
  const verdicts: string[] = [];
  for (const c of LEVELS) {
    await closedLoop(c, WARMUP, raw);
    const tRaw = await closedLoop(c, REQUESTS, raw);
    const [r50, r99] = [pct(tRaw, 50), pct(tRaw, 99)];
    console.log(`  c=${String(c).padStart(2)}  raw GetItem                     p50 ${r50.toFixed(2)} ms  p99 ${r99.toFixed(2)} ms`);
    for (const path of ['/api/v1/me', '/api/v1/cloudflare/accounts']) {
      const user = await freshProUser(baseUrl);
      await closedLoop(c, WARMUP, () => user.get(path));
      const before = ddb.calls;
      const tApi = await closedLoop(c, REQUESTS, () => user.get(path));
      const perRequest = (ddb.calls - before) / REQUESTS;
      const [a50, a99] = [pct(tApi, 50), pct(tApi, 99)];
      const [q50, q99] = [a50 / r50, a99 / r99];
      const ok = q50 <= 2.0 && q99 <= 4.0;
      console.log(
        `  c=${String(c).padStart(2)}  GET ${path.padEnd(28)} p50 ${a50.toFixed(2)} ms  p99 ${a99.toFixed(2)} ms  ` +
          `ratio p50 ${q50.toFixed(2)}× p99 ${q99.toFixed(2)}×  DynamoDB calls/request ${perRequest.toFixed(2)}  ${ok ? 'goal met' : 'GOAL MISSED'}`,
      );
      if (!ok) verdicts.push(`${path} at c=${c}`);
    }
  }
  console.log(verdicts.length ? `  goal (p50 ≤ 2.0×, p99 ≤ 4.0×) missed: ${verdicts.join(', ')}` : '  goal (p50 ≤ 2.0×, p99 ≤ 4.0×) met at every level');

  const user = await freshProUser(baseUrl);
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
  const tLogin = await closedLoop(1, LOGINS, login);
  console.log(
    `sign-in (Argon2id 19 MiB, t=2), ${LOGINS} sequential logins: p50 ${pct(tLogin, 50).toFixed(1)} ms  ` +
      `DynamoDB calls/login ${((ddb.calls - before) / LOGINS).toFixed(1)} (` +
      [...ddb.byCommand].map(([name, n]) => `${name} ${((n - (beforeByCommand.get(name) ?? 0)) / LOGINS).toFixed(1)}`).filter((x) => !x.endsWith(' 0.0')).join(', ') +
      ')',
  );
}
