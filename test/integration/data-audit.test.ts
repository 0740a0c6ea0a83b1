/** Audit trail against DynamoDB Local + local KMS: chain, concurrency, tamper detection, encryption, paging. */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { auditSk, AUDIT_HEAD_SK } from '../../functions/audit/audit';
import { tenantPk } from '../../functions/tenancy/tenant';
import { InvalidCursorError } from '../../functions/crypto/errors';
import { freshUser, freshWorkspace, layer, mainTable, partition } from './data-fixtures';

const dl = layer();
const t = mainTable();
const retention = { retentionDays: 30 };

async function seed(n: number) {
  const tenant = freshWorkspace();
  for (let i = 0; i < n; i++) {
    await dl.audit.record(
      tenant,
      { type: 'test.event', actor: 'user#u1', ip: '203.0.113.7', userAgent: 'jest/30', requestId: `r${i}`, metadata: { i } },
      retention,
    );
  }
  return tenant;
}

describe('audit', () => {
  it('appends a verifiable chain; IP, user agent and metadata are ciphertext at rest', async () => {
    const tenant = await seed(5);
    expect(await dl.audit.verify(tenant)).toEqual({ ok: true, count: 5, firstSeq: 1, lastSeq: 5 });
    const raw = (await partition(t, tenantPk(tenant))).filter((i) => i._e === 'audit');
    expect(raw).toHaveLength(5);
    const dump = JSON.stringify(raw);
    expect(dump).not.toContain('203.0.113.7');
    expect(dump).not.toContain('jest/30');
    expect(raw[1]!.prevHash).toBe(raw[0]!.hash);
    const ttl = raw[0]!.ttl as number;
    expect(ttl - Date.now() / 1000).toBeGreaterThan(29 * 86400);
    expect(ttl - Date.now() / 1000).toBeLessThanOrEqual(30 * 86400);
  });

  it('concurrent appends still form one chain', async () => {
    const tenant = freshUser();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => layer().audit.record(tenant, { type: 'test.concurrent', actor: 'system', metadata: { i } }, retention)),
    );
    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await dl.audit.verify(tenant)).toMatchObject({ ok: true, count: 12 });
  });

  it('lists newest first with decrypted fields and a tenant-bound cursor', async () => {
    const tenant = await seed(5);
    const p1 = await dl.audit.list(tenant, { limit: 2 });
    expect(p1.items.map((e) => e.seq)).toEqual([5, 4]);
    expect(p1.items[0]).toMatchObject({ type: 'test.event', actor: 'user#u1', ip: '203.0.113.7', userAgent: 'jest/30', requestId: 'r4', metadata: { i: 4 } });
    const p2 = await dl.audit.list(tenant, { limit: 2, cursor: p1.cursor });
    expect(p2.items.map((e) => e.seq)).toEqual([3, 2]);
    await expect(dl.audit.list(freshUser(), { limit: 2, cursor: p1.cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(dl.audit.list(tenant, { limit: 2, cursor: p1.cursor, oldestFirst: true })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  const tampers: [string, (tenant: ReturnType<typeof freshUser>) => Promise<void>, number][] = [
    [
      'an edited plain field',
      async (tenant) =>
        void (await t.doc.send(
          new UpdateCommand({
            TableName: t.name,
            Key: { pk: tenantPk(tenant), sk: auditSk(3) },
            UpdateExpression: 'SET #t = :t',
            ExpressionAttributeNames: { '#t': 'type' },
            ExpressionAttributeValues: { ':t': 'test.innocent' },
          }),
        )),
      3,
    ],
    [
      'swapped ciphertext from another event',
      async (tenant) => {
        const e2 = (await t.doc.send(new GetCommand({ TableName: t.name, Key: { pk: tenantPk(tenant), sk: auditSk(2) } }))).Item!;
        await t.doc.send(
          new UpdateCommand({
            TableName: t.name,
            Key: { pk: tenantPk(tenant), sk: auditSk(4) },
            UpdateExpression: 'SET sealed = :s',
            ExpressionAttributeValues: { ':s': e2.sealed },
          }),
        );
      },
      4,
    ],
    [
      'a deleted middle event',
      async (tenant) => void (await t.doc.send(new DeleteCommand({ TableName: t.name, Key: { pk: tenantPk(tenant), sk: auditSk(3) } }))),
      4,
    ],
    [
      'a deleted last event (tail truncation)',
      async (tenant) => void (await t.doc.send(new DeleteCommand({ TableName: t.name, Key: { pk: tenantPk(tenant), sk: auditSk(5) } }))),
      5,
    ],
    [
      'a rewritten event with a recomputed-looking hash',
      async (tenant) => {
        const e3 = (await t.doc.send(new GetCommand({ TableName: t.name, Key: { pk: tenantPk(tenant), sk: auditSk(3) } }))).Item!;
        await t.doc.send(new PutCommand({ TableName: t.name, Item: { ...e3, actor: 'user#someone-else' } }));
      },
      3,
    ],
    [
      'a deleted chain head',
      async (tenant) => void (await t.doc.send(new DeleteCommand({ TableName: t.name, Key: { pk: tenantPk(tenant), sk: AUDIT_HEAD_SK } }))),
      5,
    ],
  ];
  it.each(tampers)('verify reports %s', async (_name, tamper, brokenAt) => {
    const tenant = await seed(5);
    await tamper(tenant);
    const res = await dl.audit.verify(tenant);
    expect(res).toMatchObject({ ok: false, seq: brokenAt });
    if (!res.ok) expect(res.reason).toMatch(/\w/);
  });

  it('a chain whose oldest events expired (TTL) still verifies from the oldest remaining one', async () => {
    const tenant = await seed(4);
    await t.doc.send(new DeleteCommand({ TableName: t.name, Key: { pk: tenantPk(tenant), sk: auditSk(1) } }));
    expect(await dl.audit.verify(tenant)).toEqual({ ok: true, count: 3, firstSeq: 2, lastSeq: 4 });
  });

  it('refuses bad input', async () => {
    const tenant = freshUser();
    await expect(dl.audit.record(tenant, { type: 'Bad Type!', actor: 'system' }, retention)).rejects.toThrow(TypeError);
    await expect(dl.audit.record(tenant, { type: 'ok.type', actor: '' }, retention)).rejects.toThrow(TypeError);
    await expect(dl.audit.record(tenant, { type: 'ok.type', actor: 'system' }, { retentionDays: 0 })).rejects.toThrow(RangeError);
  });
});
