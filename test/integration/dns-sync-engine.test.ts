/**
 * Zones as code through the engine on the sandbox (issue 18): a paid zone seeded with every record
 * kind is exported to the file shape, planned (0 changes), edited (add, change, remove with prune:
 * the exact items), applied (done), planned again (0), reverted (back to the export); records outside
 * `manage` and read-only records are never touched; a zone the account lacks fails the plan with its
 * field; each plan-zone reads its own zone's request pages only.
 */
import { zoneStateOf } from '../../functions/cloudflare/zone-state';
import type { CreateJobInput } from '../../functions/contracts/jobs';
import { DnsSyncParams } from '../../functions/contracts/dns-sync';
import { applyJob } from '../../functions/jobs/apply';
import { getJob, listItems } from '../../functions/jobs/queries';
import type { Actor } from '../../functions/tenancy/actor';
import { pump, sandboxCall as call, startHarness, type Harness } from './jobs-harness';

jest.setTimeout(120_000);

/** Every attribute a file can set, per record (sorted): what "back to the export" means. */
function snapshot(h: Harness, zoneId: string): string[] {
  return [...h.sb.state.zones.get(zoneId)!.records.values()]
    .map((r) => JSON.stringify([r.type, r.name, r.content, r.ttl, r.proxied, r.priority ?? null, r.comment ?? null, [...(r.tags ?? [])].sort(), r.settings ?? {}]))
    .sort();
}

async function seedEveryKind(h: Harness, zoneId: string): Promise<void> {
  const long = 'v=DKIM1; k=rsa; p=' + 'B'.repeat(400);
  for (const body of [
    { type: 'AAAA', name: 'v6', content: '2001:db8::10', ttl: 300 },
    { type: 'CNAME', name: 'shop', content: 'shops.example.net', ttl: 3600, proxied: false, comment: 'vendor storefront', tags: ['team:web', 'env:prod'] },
    { type: 'CNAME', name: 'docs', content: 'docs.example.net', ttl: 300, proxied: false, settings: { flatten_cname: true } },
    { type: 'TXT', name: 'sel._domainkey', content: long, ttl: 3600 },
    { type: 'TXT', name: '_dmarc', content: '"v=DMARC1; p=none"', ttl: 3600 },
    { type: 'SRV', name: '_sip._tcp', data: { priority: 10, weight: 5, port: 5060, target: 'sip.example.net' }, ttl: 3600 },
    { type: 'CAA', name: '@', data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' }, ttl: 3600 },
    { type: 'NS', name: 'lab', content: 'ns1.lab-dns.example', ttl: 86400 },
    { type: 'MX', name: '@', content: 'route1.mx.cloudflare.net', priority: 5, ttl: 300 },
    { type: 'TXT', name: '_acme-challenge', content: 'token-outside-manage', ttl: 120 },
  ]) {
    const r = await call(h, 'POST', `/zones/${zoneId}/dns_records`, body);
    if (r.status !== 200) throw new Error(`seed ${body.type} ${body.name}: ${JSON.stringify(r.json.errors)}`);
  }
  // Email Routing's MX: Cloudflare lets no one change or delete it (meta.read_only).
  [...h.sb.state.zones.get(zoneId)!.records.values()].find((r) => r.content === 'route1.mx.cloudflare.net')!.meta = { read_only: true };
}

describe('dns-sync through the engine', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const sync = (h: Harness, zones: Record<string, unknown>, prune = false): CreateJobInput => ({ kind: 'dns-sync', accountId: h.accountId, params: DnsSyncParams.parse({ prune, zones }) });
  async function applyDone(h: Harness, actor: Actor, jobId: string) {
    await h.apply(actor, jobId, { force: true, mode: 'server' });
    await pump(h.deps, h.queue, { concurrency: 2 });
    return getJob(h.deps, actor, jobId);
  }
  async function changes(h: Harness, actor: Actor, jobId: string) {
    const { items } = await listItems(h.deps, actor, jobId, { limit: 200 });
    return items.filter((i) => i.status !== 'skipped').map((i) => [i.zoneName, i.action, i.recordId, i.after ?? null]);
  }

  test('export → plan 0 → edit → exact items → apply → plan 0 → revert → back to the export', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 2, recordsPerZone: 5, plan: 'pro' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const [z1, z2] = [...h.sb.state.zones.keys()] as [string, string];
    const [n1, n2] = [z1, z2].map((z) => h!.sb.state.zones.get(z)!.zone.name) as [string, string];
    await seedEveryKind(h, z1);
    const cf = await h.deps.connect(actor.tenant, h.accountId);
    const exported = { [n1]: zoneStateOf(n1, await cf.listRecords(z1)), [n2]: zoneStateOf(n2, await cf.listRecords(z2)) };
    expect([exported[n1]!.readOnlyRecords, exported[n1]!.state.records.length]).toEqual([1, 14]);
    const manage = { include: ['*', '@'], exclude: ['_acme-challenge*'] };
    const file = { [n1]: { ...exported[n1]!.state, manage, records: exported[n1]!.state.records.filter((r) => r.name !== '_acme-challenge') }, [n2]: exported[n2]!.state };
    const start = snapshot(h, z1);

    // Request pages are read per zone: plan-job reads page 0 (names), each plan-zone its own zone's prefix.
    const jreq: string[] = [];
    const repo = h.deps.repo;
    h.deps.repo = new Proxy(repo, {
      get: (t, k) => (k === 'query' ? (tenant: unknown, e: unknown, q: { skPrefix?: string }) => (q.skPrefix?.startsWith('JREQ#') && jreq.push(q.skPrefix), repo.query(tenant as never, e as never, q as never)) : Reflect.get(t, k)),
    });
    const zero = await h.plan(actor, sync(h, file, true));
    h.deps.repo = repo;
    expect([zero.status, zero.plan.totalChanges, zero.counts.skipped]).toEqual(['planned', 0, 1]); // the read-only MX, shown skipped
    expect(jreq.sort()).toEqual([`JREQ#${zero.id}#z000000#`, `JREQ#${zero.id}#z000001#`]);
    expect((await listItems(h.deps, actor, zero.id, { limit: 10 })).items.map((i) => [i.action, i.error])).toEqual([['delete', 'read-only']]);

    // The edit: add, change (content, priority, comment dropped), remove; the other zone untouched. Items: deletes, then
    // updates and creates in the file's order (the export's: apex first, then by name).
    const recs1 = file[n1]!.records;
    const edited = recs1
      .filter((r) => !(r.type === 'AAAA' && r.name === 'v6'))
      .map((r) => (r.name === 'shop' ? { ...r, comment: undefined } : r.type === 'MX' ? { ...r, priority: 20 } : r.name === '_dmarc' ? { ...r, content: 'v=DMARC1; p=reject' } : r));
    edited.push({ name: 'api', type: 'A', content: '192.0.2.80', ttl: 300, proxied: false });
    const live = [...h.sb.state.zones.get(z1)!.records.values()];
    const id = (type: string, name: string) => live.find((r) => r.type === type && r.name === name && !r.meta?.read_only)!.id;
    const plan = await h.plan(actor, sync(h, { ...file, [n1]: { ...file[n1], records: edited } }, true));
    expect(plan.status).toBe('planned');
    expect(await changes(h, actor, plan.id)).toEqual([
      [n1, 'delete', id('AAAA', `v6.${n1}`), null],
      [n1, 'update', id('MX', n1), expect.objectContaining({ priority: 20, content: `mail.${n1}` })],
      [n1, 'update', id('TXT', `_dmarc.${n1}`), expect.objectContaining({ content: '"v=DMARC1; p=reject"' })],
      [n1, 'update', id('CNAME', `shop.${n1}`), { type: 'CNAME', name: `shop.${n1}`, content: 'shops.example.net', ttl: 3600, proxied: false, tags: ['env:prod', 'team:web'] }],
      [n1, 'create', null, { type: 'A', name: `api.${n1}`, content: '192.0.2.80', ttl: 300, proxied: false }],
    ]);
    const done = await applyDone(h, actor, plan.id);
    expect([done.status, done.counts.done, done.counts.failed]).toEqual(['done', 5, 0]);
    const shop = [...h.sb.state.zones.get(z1)!.records.values()].find((r) => r.name === `shop.${n1}`)!;
    expect([shop.comment || null, [...shop.tags].sort()]).toEqual([null, ['env:prod', 'team:web']]);
    expect([...h.sb.state.zones.get(z1)!.records.values()].find((r) => r.name === `_acme-challenge.${n1}`)!.content).toBe('token-outside-manage');

    const again = await h.plan(actor, sync(h, { ...file, [n1]: { ...file[n1], records: edited } }, true));
    expect([again.status, again.plan.totalChanges]).toEqual(['planned', 0]);

    const rev = await h.revert(actor, plan.id);
    expect([rev.status, rev.plan.totalChanges]).toEqual(['planned', 5]);
    expect((await applyDone(h, actor, rev.id)).status).toBe('done');
    // Ids of re-created records differ; every attribute is back.
    expect(snapshot(h, z1)).toEqual(start);
    const back = await h.plan(actor, sync(h, file, true));
    expect(back.plan.totalChanges).toBe(0);
  });

  test('a zone name the account does not have: plan-failed invalid-selection with the field', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 1, recordsPerZone: 5, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const name = [...h.sb.state.zones.values()][0]!.zone.name;
    const job = await h.plan(actor, sync(h, { [name]: { records: [] }, 'missing.example': { records: [] } }));
    expect(job.status).toBe('plan-failed');
    expect(job.problem).toMatchObject({ code: 'invalid-selection', extra: { fields: [{ field: 'params.zones.missing.example', message: 'zone missing.example not found in the account' }] } });
  });

  test('selection by name costs the cheaper of listing every page and one GET /zones?name= per name not on the first page', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 120, recordsPerZone: 0, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const names = [...h.sb.state.zones.values()].map((z) => z.zone.name).sort();
    const cost = async (picked: string[]) => {
      const before = h!.requests();
      const job = await h!.plan(actor, sync(h!, Object.fromEntries(picked.map((n) => [n, { records: [] }]))));
      expect([job.status, job.plan.zonesTotal]).toEqual(['planned', picked.length]);
      return h!.requests() - before - picked.length; // one record read per zone
    };
    // Two names past the first page (50 a page, 3 pages): page 1 + 2 exact lookups.
    expect(await cost([names[119]!, names[70]!])).toBe(3);
    // 60 names, 10 on page 1 and 50 on page 2: listing beats 50 lookups, and stops once all are found.
    expect(await cost(names.slice(40, 100))).toBe(2);
    // Every name on page 1: nothing more.
    expect(await cost(names.slice(0, 5))).toBe(1);
  });

  test("a zone's batches may run in any order: 150 A records replaced by CNAMEs on a Free zone (two batches), the last batch first, fail nothing", async () => {
    h = await startHarness({ sandbox: { seed: { zones: 1, recordsPerZone: 0, plan: 'free' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const [zoneId, { zone }] = [...h.sb.state.zones.entries()][0]!;
    const names = Array.from({ length: 150 }, (_, i) => `r${String(i + 1).padStart(3, '0')}`);
    for (const [i, name] of names.entries()) {
      const r = await call(h, 'POST', `/zones/${zoneId}/dns_records`, { type: 'A', name, content: `198.51.100.${(i % 250) + 1}`, ttl: 300 });
      if (r.status !== 200) throw new Error(`seed ${name}: ${JSON.stringify(r.json.errors)}`);
    }
    const records = names.map((name) => ({ name, type: 'CNAME', content: 'lb.example.net', ttl: 300 }));
    const job = await h.plan(actor, sync(h, { [zone.name]: { manage: { include: ['r*'] }, records } }, true));
    expect([job.status, job.plan.totalChanges, job.plan.chunks]).toEqual(['planned', 300, 2]);
    await h.apply(actor, job.id, { force: true, mode: 'server' });
    // A CNAME's create succeeds only beside its A's delete (81053 otherwise): each name sits in one batch.
    h.queue.messages.reverse();
    await pump(h.deps, h.queue, { concurrency: 1 });
    const done = await getJob(h.deps, actor, job.id);
    expect([done.status, done.counts.done, done.counts.failed]).toEqual(['done', 300, 0]);
    expect(snapshot(h, zoneId).filter((r) => r.includes('"CNAME"'))).toHaveLength(150);
  });

  test('the safety threshold applies: a file that prunes a zone away needs force', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 1, recordsPerZone: 10, plan: 'pro' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const name = [...h.sb.state.zones.values()][0]!.zone.name;
    const job = await h.plan(actor, sync(h, { [name]: { records: [] } }, true));
    expect([job.status, job.needsForce, job.plan.totalChanges]).toEqual(['planned', true, 10]);
    await expect(applyJob(h.deps, actor, job.id, { force: false, mode: 'server' })).rejects.toMatchObject({ options: { code: 'safety-threshold' } });
    const kept = await h.plan(actor, sync(h, { [name]: { records: [] } }, false));
    expect([kept.needsForce, kept.plan.totalChanges, kept.counts.skipped]).toEqual([false, 0, 10]);
  });

  test('5,000 records over 100 zones: each plan-zone reads its own zone request pages only; the export plans to 0', async () => {
    h = await startHarness({ sandbox: { seed: { zones: 100, recordsPerZone: 50, plan: 'pro' }, timeScale: 100 } });
    const actor = h.actor('pro');
    const cf = await h.deps.connect(actor.tenant, h.accountId);
    const zones: Record<string, unknown> = {};
    for (const zs of h.sb.state.zones.values()) zones[zs.zone.name] = zoneStateOf(zs.zone.name, await cf.listRecords(zs.zone.id)).state;
    const reads = new Map<string, number>();
    const repo = h.deps.repo;
    h.deps.repo = new Proxy(repo, {
      get: (t, k) => (k === 'query' ? (tenant: unknown, e: unknown, q: { skPrefix?: string }) => (q.skPrefix?.startsWith('JREQ#') && reads.set(q.skPrefix, (reads.get(q.skPrefix) ?? 0) + 1), repo.query(tenant as never, e as never, q as never)) : Reflect.get(t, k)),
    });
    const t = performance.now();
    const job = await h.plan(actor, sync(h, zones, true));
    const ms = performance.now() - t;
    h.deps.repo = repo;
    expect([job.status, job.plan.zonesTotal, job.plan.totalChanges]).toEqual(['planned', 100, 0]);
    expect(reads.size).toBe(100);
    expect([...reads.keys()].every((k) => /^JREQ#[^#]+#z\d{6}#$/.test(k))).toBe(true);
    console.log(`dns-sync: 100 zones, 5,000 records planned to 0 changes in ${ms.toFixed(0)} ms; ${reads.size} zone request prefixes read, ${Math.max(...reads.values())} read(s) each at most`);
  });
});

