/**
 * Issue 13 item 1: a failed batch names no change (Cloudflare answers the first
 * error only, nothing applied), so the engine isolates the bad change(s) by
 * splitting the rejected batch: every good change lands, each bad one fails
 * with its own reason, within O(k·log n) Cloudflare requests.
 */
import { getJob, listItems } from '../../functions/jobs/queries';
import { pump, startHarness, type Harness } from './jobs-harness';

jest.setTimeout(120_000);

describe('a rejected batch: the bad change is isolated', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function run(bad: 1 | 2) {
    h = await startHarness({ sandbox: { seed: { zones: 1, recordsPerZone: 60, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const zoneId = [...h.sb.state.zones.keys()][0]!;
    const job = await h.plan(actor, { kind: 'dns-replace', accountId: h.accountId, zones: [zoneId], params: { match: { types: ['A', 'AAAA', 'TXT'] }, set: { ttl: 600 } } });
    const n = job.plan.totalChanges;
    expect(n).toBeGreaterThanOrEqual(30);
    expect(job.plan.chunks).toBe(1);
    await h.apply(actor, job.id, { force: true, mode: 'server' });

    // After the drift check, someone else makes change(s) invalid: a deleted record (81044) and
    // a CNAME at another record's name (the A/AAAA/TXT patch then conflicts with it).
    const zs = h.sb.state.zones.get(zoneId)!;
    const targets = [...zs.records.values()].filter((r) => ['A', 'AAAA', 'TXT'].includes(r.type) && r.ttl !== 600);
    const gone = targets[Math.floor(n / 3)]!;
    zs.records.delete(gone.id);
    const clash = targets[n - 3]!;
    if (bad === 2) {
      const id = 'c'.repeat(32);
      zs.records.set(id, { ...clash, id, type: 'CNAME', content: 'elsewhere.example.com', ttl: 1, proxied: false, priority: undefined });
    }
    const before = h.requests();
    await pump(h.deps, h.queue, { concurrency: 1 });
    const requests = h.requests() - before;

    const done = await getJob(h.deps, actor, job.id);
    expect(done.counts).toMatchObject({ done: n - bad, failed: bad });
    const failed = await listItems(h.deps, actor, job.id, { limit: 10, status: 'failed' });
    expect(failed.items).toHaveLength(bad);
    const byName = new Map(failed.items.map((i) => [i.recordId, i.error]));
    expect(byName.get(gone.id)).toMatch(/81044/);
    if (bad === 2) expect(byName.get(clash.id)).toMatch(/8105\d/);
    // Every good change landed.
    const landed = [...zs.records.values()].filter((r) => r.ttl === 600);
    expect(landed).toHaveLength(n - bad);
    // O(k·log n): the first batch, then two halves per level down to each bad change.
    expect(requests).toBeLessThanOrEqual(1 + 2 * bad * Math.ceil(Math.log2(n)));
    return requests;
  }

  test('one invalid change among ~40: the others land, it fails with its own reason, ≤ 1 + 2⌈log2 n⌉ requests', async () => {
    await run(1);
  });

  test('two invalid changes: each fails with its own reason, ≤ 1 + 4⌈log2 n⌉ requests', async () => {
    await run(2);
  });
});
