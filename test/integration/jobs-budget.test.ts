/**
 * Issue 13 items 5 and 6 through the jobs harness (DynamoDB Local, the sandbox, the real
 * connection cache and limiter):
 *  - two Cloudflare accounts connected with two tokens of ONE Cloudflare user share that user's
 *    budget: both jobs at once get 0 × 429 (keyed per token, together they overspend it);
 *  - cache purge has its own bucket per plan (Free: 5 per minute, 25 at once; time-scaled ×100
 *    here): a purge over 40 Free zones is paced by it and ends done with no 429; when purges are
 *    refused anyway (another tool emptied the bucket), only purges pause — a DNS job on the same
 *    token keeps going.
 */
import { randomBytes } from 'node:crypto';
import { connectAccount, type CloudflareDeps } from '../../functions/cloudflare/accounts';
import { applyJob } from '../../functions/jobs/apply';
import { planJob } from '../../functions/jobs/plan';
import { getJob } from '../../functions/jobs/queries';
import { audit } from './cloudflare-fixtures';
import { applyAndWait, isPlanningWork, pump, startHarness, type Harness } from './jobs-harness';

jest.setTimeout(120_000);

const previousBaseUrl = process.env.CLOUDFLARE_BASE_URL;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (previousBaseUrl === undefined) delete process.env.CLOUDFLARE_BASE_URL;
  else process.env.CLOUDFLARE_BASE_URL = previousBaseUrl;
});

const hex32 = () => randomBytes(16).toString('hex');

test('two accounts connected with two tokens of one Cloudflare user: both jobs at once share its budget, 0 × 429', async () => {
  const [accA, accB, user] = [hex32(), hex32(), hex32()];
  // 60 requests per (scaled) 3 s window; each job needs ~45 (list, 15 zone reads, 15 drift reads, 15 batches).
  h = await startHarness({
    sandbox: {
      seed: {
        accounts: [{ name: 'A', id: accA }, { name: 'B', id: accB }],
        tokens: [
          { name: 'dns A', accounts: [accA], user, userDetails: true },
          { name: 'dns B', accounts: [accB], user, userDetails: true },
        ],
        zones: 30,
        recordsPerZone: 10,
      },
      timeScale: 100,
      rateLimit: { limit: 60 },
    },
    storedAccounts: true,
  });
  process.env.CLOUDFLARE_BASE_URL = h.sb.url; // token accounts reach "Cloudflare" through the SDK's default
  const harness = h;
  const actor = harness.actor('pro');
  const cfDeps: CloudflareDeps = { repo: harness.dl.repo, table: harness.dl.table, audit: harness.dl.audit, cloudflare: {}, now: Date.now };
  const accounts = await Promise.all(harness.sb.tokens.map((t, i) => connectAccount(cfDeps, actor, audit, { name: `Account ${i}`, token: t.value })));
  const zonesOf = (acc: string) => [...harness.sb.state.zones.values()].filter((z) => z.zone.account.id === acc).map((z) => z.zone.id);

  // Both jobs at once: planned together, applied together (drift check and chunks).
  const jobs = await Promise.all(
    accounts.map((a, i) =>
      planJob(harness.deps, actor, { kind: 'dns-delete', accountId: a.id, zones: zonesOf(i === 0 ? accA : accB), params: { match: { types: ['TXT'] } } }),
    ),
  );
  await pump(harness.deps, harness.queue, { concurrency: 8, only: isPlanningWork });
  await Promise.all(jobs.map((j) => applyJob(harness.deps, actor, j.id, { force: true, mode: 'server' })));
  await pump(harness.deps, harness.queue, { concurrency: 8 });

  for (const j of jobs) expect((await getJob(harness.deps, actor, j.id)).status).toBe('done');
  const log = harness.sb.log.entries();
  expect(log.length).toBeGreaterThan(80); // more than one window's budget, together
  expect(log.filter((e) => e.status === 429)).toEqual([]);
});

const FREE_ZONES = 40;

async function purgeHarness(): Promise<Harness> {
  return startHarness({ sandbox: { seed: { zones: FREE_ZONES, recordsPerZone: 10, plan: 'free' }, timeScale: 100 } });
}

const purgeStatuses = (harness: Harness) => harness.sb.log.entries().filter((e) => e.path.endsWith('/purge_cache')).map((e) => e.status);

test('a purge over 40 Free zones is paced by the Free purge bucket (25, then 5 per scaled minute): done, 0 × 429', async () => {
  h = await purgeHarness();
  const actor = h.actor('pro');
  const zones = [...h.sb.state.zones.keys()];
  const job = await h.plan(actor, { kind: 'cache-purge', accountId: h.accountId, zones, params: { everything: true } });
  await h.apply(actor, job.id, { force: false, mode: 'server' });
  const t0 = Date.now();
  await pump(h.deps, h.queue, { concurrency: 8, visibilityMs: 10_000 });
  const elapsed = Date.now() - t0;

  const done = await getJob(h.deps, actor, job.id);
  expect(done.status).toBe('done');
  expect(done.counts.done).toBe(FREE_ZONES);
  for (const z of zones) expect(h.sb.state.zones.get(z)!.purges).toHaveLength(1);
  expect(purgeStatuses(h)).toEqual(Array(FREE_ZONES).fill(200));
  // The bucket lets 25 through at once; the other 15 come one per 120 ms (5 per 0.6 s).
  expect(elapsed).toBeGreaterThanOrEqual((FREE_ZONES - 25) * 120 - 200);
});

test('purges refused by an emptied bucket pause purges only: a DNS job on the same token is not paused', async () => {
  h = await purgeHarness();
  const harness = h;
  const actor = harness.actor('pro');
  // Another tool purges `outside` (not in the job) on the same account: it shares the Free purge bucket.
  const [outside, ...zones] = [...harness.sb.state.zones.keys()];
  const purge = await harness.plan(actor, { kind: 'cache-purge', accountId: harness.accountId, zones, params: { everything: true } });
  const dns = await harness.plan(actor, { kind: 'dns-delete', accountId: harness.accountId, zones, params: { match: { types: ['TXT'] } } });
  await applyAndWait(harness.deps, harness.queue, actor, purge.id, { force: false, mode: 'server' });
  await applyAndWait(harness.deps, harness.queue, actor, dns.id, { force: true, mode: 'server' });
  // A standard SQS queue keeps no order: the two jobs' chunks arrive interleaved.
  const [purgeChunks, dnsChunks] = [0, 1].map((k) => harness.queue.messages.filter((m) => (m.m.jobId === purge.id) === (k === 0)));
  harness.queue.messages.splice(0, harness.queue.messages.length, ...purgeChunks.flatMap((m, i) => [m, ...(dnsChunks[i] ? [dnsChunks[i]!] : [])]), ...dnsChunks.slice(purgeChunks.length));
  // Another tool has just spent the account's Free purge bucket, and keeps spending each token as it
  // refills until the engine has met a refusal: however slowly the engine starts (a loaded machine),
  // its purges meet 429s.
  const token = harness.sb.tokens[0]!.value;
  const purgeOutside = () => fetch(`${harness.sb.url}/zones/${outside}/purge_cache`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"purge_everything":true}' });
  for (let i = 0; i < 25; i++) expect((await purgeOutside()).status).toBe(200);
  const engineRefused = () => harness.sb.log.entries().some((e) => e.path.endsWith('/purge_cache') && !e.path.includes(outside!) && e.status === 429);
  const otherTool = (async () => {
    // one purge per 60 ms: faster than the bucket refills (one per 120 ms scaled), far below the API budget
    for (const until = Date.now() + 30_000; !engineRefused() && Date.now() < until; ) await Promise.all([purgeOutside(), new Promise((r) => setTimeout(r, 60))]);
  })();
  await pump(harness.deps, harness.queue, { concurrency: 8, visibilityMs: 10_000 });
  await otherTool;

  expect((await getJob(harness.deps, actor, purge.id)).status).toBe('done');
  expect((await getJob(harness.deps, actor, dns.id)).status).toBe('done');
  const log = harness.sb.log.entries();
  const refused = log.filter((e) => e.path.endsWith('/purge_cache') && !e.path.includes(outside!) && e.status === 429);
  expect(refused.length).toBeGreaterThan(0);
  expect(log.filter((e) => e.rateLimited)).toEqual([]); // the budget itself was never over
  // While purges waited out a refusal's Retry-After (1 s), DNS batches of the same token went on.
  const firstRefusal = Date.parse(refused[0]!.time);
  const dnsDuringPause = log.filter((e) => e.path.endsWith('/dns_records/batch') && Date.parse(e.time) > firstRefusal && Date.parse(e.time) < firstRefusal + 1000);
  expect(dnsDuringPause.length).toBeGreaterThan(0);
});
