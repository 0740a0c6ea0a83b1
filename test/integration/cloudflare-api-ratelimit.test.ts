/**
 * The Cloudflare domain layer against a test-owned, time-scaled sandbox (timeScale 100: the
 * 300 s window and block last 3 s), with a REAL (non-sandbox) account: the token account's
 * client has no baseURL, so the SDK's own CLOUDFLARE_BASE_URL (set here, in this process)
 * points it at the sandbox, exactly as an operator would in any environment.
 *
 * Why not over HTTP: the jest stack's handlers run in a child process started before any test,
 * with a sandbox at real time scale; the HTTP suite (cloudflare-api.test.ts) covers the 429
 * answer there. This suite runs the same domain functions the handlers call, on the real table.
 */
import { startCloudflareSandbox, type CloudflareSandbox } from '../../lib/local/cloudflare';
import { connectAccount, listAccounts, verifyAccount, type CloudflareDeps } from '../../functions/cloudflare/accounts';
import { withCloudflare } from '../../functions/cloudflare/client';
import { listZones } from '../../functions/cloudflare/dns';
import { createBucketLimiter } from '../../functions/cloudflare/limiter';
import { layer } from './data-fixtures';
import { actorFor, audit, caught } from './cloudflare-fixtures';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let sb: CloudflareSandbox;
const previousBaseUrl = process.env.CLOUDFLARE_BASE_URL;
const dl = layer();
const flagged: string[] = [];
const deps: CloudflareDeps = {
  repo: dl.repo,
  table: dl.table,
  audit: dl.audit,
  cloudflare: {}, // as in AWS: no sandbox configured
  now: Date.now,
  onNeedsAttention: async (_t, account, detail) => void flagged.push(`${account.id}: ${detail}`),
};




/*
 * The sandbox's clock is real time, except that it stands still while a test spends a token's
 * budget: 1,200 requests then land in one scaled 3 s window however slow this machine is.
 */
let frozenAt: number | undefined;
let shift = 0;
const sandboxClock = () => frozenAt ?? Date.now() + shift;

/** Spend the token's whole budget (1,200 per scaled window) at once; true once a 429 is seen. */
async function tripBlock(token: string): Promise<boolean> {
  frozenAt = sandboxClock();
  try {
    for (let i = 0; i < 20; i++) {
      const statuses = await Promise.all(
        Array.from({ length: 100 }, () => fetch(`${sb.url}/user/tokens/verify`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status)),
      );
      if (statuses.includes(429)) return true;
    }
    return false;
  } finally {
    shift = frozenAt - Date.now();
    frozenAt = undefined;
  }
}

beforeAll(async () => {
  sb = await startCloudflareSandbox({ seed: { zones: 3, recordsPerZone: 5, plan: ['free', 'pro'] }, timeScale: 100, clock: sandboxClock });
  process.env.CLOUDFLARE_BASE_URL = sb.url;
});

afterAll(async () => {
  if (previousBaseUrl === undefined) delete process.env.CLOUDFLARE_BASE_URL;
  else process.env.CLOUDFLARE_BASE_URL = previousBaseUrl;
  await sb?.close();
});

describe('real token accounts (CLOUDFLARE_BASE_URL)', () => {
  it('connects with a valid token, refuses an invalid one with a field error, refuses sandbox where none runs', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'real' });
    const account = await connectAccount(deps, actor, audit, { name: 'Production', token: tok.value });
    expect(account).toMatchObject({ name: 'Production', sandbox: false, status: 'active', tokenHint: tok.value.slice(-4) });

    const bad = await caught(connectAccount(deps, actor, audit, { name: 'Bad', token: 'x'.repeat(40) }));
    expect(bad.kind).toBe('invalid');
    expect(bad.options.code).toBe('cloudflare-token-invalid');
    expect(bad.options.fields?.[0]).toMatchObject({ in: 'body', field: 'token' });
    expect(bad.message).toMatch(/1000 Invalid API Token/);

    const sandbox = await caught(connectAccount(deps, actor, audit, { name: 'Demo', sandbox: true }));
    expect(sandbox.kind).toBe('invalid');
    expect(sandbox.options.code).toBe('sandbox-unavailable');
    expect(sandbox.message).toMatch(/only in local mode/);

    expect((await listAccounts(deps, actor)).map((a) => a.id)).toEqual([account.id]);
  });

  it('a revoked token flags the account on the next call, and verify keeps it flagged', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'to revoke' });
    const account = await connectAccount(deps, actor, audit, { name: 'Soon revoked', token: tok.value });
    sb.state.revokeToken(tok.value);
    const err = await caught(listZones(deps, actor, account.id, { page: 1, perPage: 20 }));
    expect(err.options.code).toBe('cloudflare-token-rejected');
    expect(flagged.some((f) => f.startsWith(`${account.id}: `) && f.includes('9109'))).toBe(true);
    const after = await verifyAccount(deps, actor, audit, account.id);
    expect(after.status).toBe('needs-attention');
  });
});

describe('interactive calls take slots of the same per-token limiter as jobs', () => {
  /*
   * A job's workers hold grants of the token's budget. Its policy is set small here (20 requests
   * per window: 18 may be spent per window after the safety margin), so that a job spending them
   * all makes the next slot come one window later. The job's limiter does not sleep: only its
   * grants matter.
   */
  const jobLimiter = (token: string) => createBucketLimiter({ table: dl.table, token, sleep: async () => undefined });
  const spendAll = async (token: string, policy: string) => {
    const job = jobLimiter(token);
    await job.observe({ status: 200, policy });
    for (let i = 0; i < 18; i++) await (await job.acquire()).done();
  };

  it('waits its turn behind a short queue, and answers 429 with Retry-After without calling Cloudflare behind a long one', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'shared with a job' });
    const account = await connectAccount(deps, actor, audit, { name: 'Shared', token: tok.value });
    const sentWithToken = () => sb.log.entries().filter((e) => e.tokenHint === tok.value.slice(-4)).length;

    // The job spent the window (w = 4 s): the user's call waits for the next one (≤ 5 s), then succeeds.
    await spendAll(tok.value, '"default";q=20;w=4');
    const t0 = Date.now();
    expect((await listZones(deps, actor, account.id, { page: 1, perPage: 20 })).totalCount).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_500);

    // The job spends a 12 s window (longer than an interactive call waits): 429, nothing sent.
    await spendAll(tok.value, '"default";q=20;w=12'); // the user's call re-learned the sandbox's budget
    const sent = sentWithToken();
    const err = await caught(listZones(deps, actor, account.id, { page: 1, perPage: 20 }));
    expect(err.kind).toBe('rate-limited');
    expect(err.options.code).toBe('cloudflare-rate-limited');
    expect(err.options.retryAfterSeconds).toBeGreaterThan(5);
    expect(err.options.retryAfterSeconds).toBeLessThanOrEqual(24); // behind the job's grants, at most two windows
    expect(err.options.extra).toMatchObject({ accountId: account.id, cloudflare: { status: null, errors: [] } });
    expect(sentWithToken()).toBe(sent);
    expect((await listAccounts(deps, actor)).find((a) => a.id === account.id)!.status).toBe('active');
  }, 30_000);
});

describe('the 300-second block, time-scaled ×100', () => {
  it('blocks the token after 1,200 requests in the window; 429 carries Retry-After; the block lifts after it', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'busy' });
    const account = await connectAccount(deps, actor, audit, { name: 'Busy', token: tok.value });

    expect(await tripBlock(tok.value)).toBe(true);
    // The bulk engine's client (no SDK retries) sees the block at once, as a problem.
    const t0 = Date.now();
    const err = await caught(withCloudflare(deps, actor.tenant, account.id, {}, (cf) => cf.zones.list(), { maxRetries: 0 }));
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(err.kind).toBe('rate-limited');
    expect(err.options.code).toBe('cloudflare-rate-limited');
    expect(err.options.retryAfterSeconds).toBe(3); // 300 s / 100
    expect((err.options.extra as { cloudflare: { errors: Array<{ code: number }> } }).cloudflare.errors[0]!.code).toBe(971);

    // Still blocked until Retry-After has passed, then a fresh budget.
    await sleep(3_100);
    const ok = await listZones(deps, actor, account.id, { page: 1, perPage: 20 });
    expect(ok.totalCount).toBe(3);

    // The interactive client waits a short Retry-After (≤ 5 s) itself and succeeds.
    expect(await tripBlock(tok.value)).toBe(true);
    const t1 = Date.now();
    const again = await listZones(deps, actor, account.id, { page: 1, perPage: 20 });
    expect(again.zones).toHaveLength(3);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(2_000);
    const limited = sb.log.entries().filter((e) => e.tokenHint === tok.value.slice(-4) && e.status === 429);
    expect(limited.length).toBeGreaterThan(1);
    // a rate limit is not a token problem
    expect((await listAccounts(deps, actor)).find((a) => a.id === account.id)!.status).toBe('active');
  }, 30_000);

  it('a hung Cloudflare becomes a 502 timeout problem naming the zone', async () => {
    const actor = actorFor();
    const tok = sb.addToken({ name: 'slow' });
    const account = await connectAccount(deps, actor, audit, { name: 'Slow', token: tok.value });
    const zone = [...sb.state.zones.values()][0]!.zone;
    sb.faults.set({ timeout: 1, pathPrefixes: [`/zones/${zone.id}`] });
    try {
      const err = await caught(
        withCloudflare(deps, actor.tenant, account.id, { zoneId: zone.id, zoneName: zone.name }, (cf) => cf.dns.records.list({ zone_id: zone.id }), {
          maxRetries: 0,
          timeoutMs: 300,
        }),
      );
      expect(err.kind).toBe('upstream-failed');
      expect(err.options.code).toBe('cloudflare-timeout');
      expect(err.message).toContain(zone.name);
    } finally {
      sb.faults.clear();
    }
  });
});
