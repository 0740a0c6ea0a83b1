/**
 * Large job requests over HTTP: whatever a client may send is either refused
 * with a clear 400 (field detail) or becomes a working job — never a 500 from
 * DynamoDB's 400 KB item limit. The job item keeps no raw record list or CSV
 * (the parsed plan items are stored, split into pages by bytes).
 */
import { txtValue } from '../../functions/cloudflare/txt';
import { planOverHttp, userWithSandbox as sandboxUser } from '../support/jobs-http';
import { call } from '../support/http';

jest.setTimeout(120_000);

async function userWithSandbox() {
  const u = await sandboxUser('Payload');
  return { ...u, accountId: u.account.id, zoneId: u.zones[0]!.id };
}

/** `n` distinct TXT contents of `size` characters. */
const txts = (n: number, size: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}-`.padEnd(size, 'x'));

async function allItems(token: string, jobId: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const r: any = await call('GET', `/api/v1/jobs/${jobId}/items?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(r.status).toBe(200);
    out.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return out;
}

describe('job request size', () => {
  let u: Awaited<ReturnType<typeof userWithSandbox>>;
  beforeAll(async () => {
    u = await userWithSandbox();
  });

  it('120 TXT records of 4,000 characters plan into a working job, every content intact', async () => {
    const contents = txts(120, 4000, 'big-');
    const records = contents.map((content, i) => ({ type: 'TXT', name: `big${i}`, content }));
    const r = await planOverHttp(u.token, { kind: 'dns-create', accountId: u.accountId, zones: [u.zoneId], params: { records } });
    expect([r.status, r.body.type, r.body.job.status]).toEqual([201, undefined, 'planned']);
    expect(r.body.job.plan.totalChanges).toBe(120);
    const items = await allItems(u.token, r.body.job.id);
    // Written quoted in 255-byte strings, as Cloudflare stores TXT: the value is intact.
    expect(items.map((i) => txtValue(i.after.content))).toEqual(contents);
  });

  it('a 400 KB CSV plans into a working job', async () => {
    const contents = txts(100, 4000, 'csv-');
    const csv = ['type,name,content', ...contents.map((c, i) => `TXT,csv${i},${c}`)].join('\n');
    expect(csv.length).toBeGreaterThan(400_000);
    const r = await planOverHttp(u.token, { kind: 'dns-create', accountId: u.accountId, zones: [u.zoneId], params: { csv } });
    expect([r.status, r.body.type, r.body.job.status]).toEqual([201, undefined, 'planned']);
    expect(r.body.job.plan.totalChanges).toBe(100);
    expect((await allItems(u.token, r.body.job.id)).map((i) => txtValue(i.after.content))).toEqual(contents);
  });

  it('records over the request budget are a 400 naming the field; so is an oversized CSV cell', async () => {
    const records = txts(140, 4000, 'over-').map((content, i) => ({ type: 'TXT', name: `over${i}`, content }));
    const r = await call('POST', '/api/v1/jobs', { token: u.token, body: { kind: 'dns-create', accountId: u.accountId, zones: [u.zoneId], params: { records } } });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'params.records', message: expect.stringMatching(/at most 524288 bytes/) })]);

    const csv = `type,name,content\nTXT,huge,${'y'.repeat(300_000)}`;
    const c = await call('POST', '/api/v1/jobs', { token: u.token, body: { kind: 'dns-create', accountId: u.accountId, zones: [u.zoneId], params: { csv } } });
    expect(c.status).toBe(400);
    expect(c.body.errors).toEqual([expect.objectContaining({ field: 'params.csv', message: expect.stringMatching(/line 2: content/) })]);
  });
});
