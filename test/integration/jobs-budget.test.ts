/**
 * Issue 13 items 5 and 6 through the jobs harness (DynamoDB Local, the sandbox, the real
 * connection cache and limiter):
 *  - two Cloudflare accounts connected with two tokens of ONE Cloudflare user share that user's
 *    budget: both jobs at once get 0 × 429 (keyed per token, together they overspend it);
 */
import { randomBytes } from 'node:crypto';
import { connectAccount, type CloudflareDeps } from '../../functions/cloudflare/accounts';
import { applyJob } from '../../functions/jobs/apply';
import { planJob } from '../../functions/jobs/plan';
import { getJob } from '../../functions/jobs/queries';
import { audit } from './cloudflare-fixtures';
import { pump, startHarness, type Harness } from './jobs-harness';

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

  const jobs = await Promise.all(
    accounts.map((a, i) =>
      planJob(harness.deps, actor, { kind: 'dns-delete', accountId: a.id, zones: zonesOf(i === 0 ? accA : accB), params: { match: { types: ['TXT'] } } }),
    ),
  );
  await Promise.all(jobs.map((j) => applyJob(harness.deps, actor, j.id, { force: true, mode: 'server' })));
  await pump(harness.deps, harness.queue, { concurrency: 8 });

  for (const j of jobs) expect((await getJob(harness.deps, actor, j.id)).status).toBe('done');
  const log = harness.sb.log.entries();
  expect(log.length).toBeGreaterThan(80); // more than one window's budget, together
  expect(log.filter((e) => e.status === 429)).toEqual([]);
});
