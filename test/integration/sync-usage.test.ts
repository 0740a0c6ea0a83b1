/**
 * The per-user sync total (issue 16 item 4, "size per tier"): usage items per type kept by each
 * write's own transaction, the tier's syncTotalBytes enforced by an atomic capped ADD (413
 * too-large naming the limit), bursts that together cross it, and concurrent writes to other
 * items that must not turn into false 409s. Against DynamoDB Local and the local KMS.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ConflictError } from '../../functions/data/errors';
import { userTenant } from '../../functions/tenancy/tenant';
import type { SyncDeps } from '../../functions/sync/deps';
import type { SyncSubject } from '../../functions/sync/entities';
import { appendHistory, clearHistory } from '../../functions/sync/history';
import { clearType, putSnapshot } from '../../functions/sync/snapshots';
import { readUsage } from '../../functions/sync/usage';
import { outcome } from './domain-outcome';
import { layer } from './data-fixtures';

const dl = layer();
const withTotal = (syncTotalBytes: number): SyncDeps => ({ repo: dl.repo, blind: dl.blind, audit: dl.audit, now: Date.now, limits: { syncItemBytes: 64 * 1024, syncTotalBytes, auditRetentionDays: 30 } });
const ctx = { requestId: 'req-usage', ip: '203.0.113.8', userAgent: 'usage-test/1.0' };
const freshSubject = (deviceId = 'dev-a'): SyncSubject => ({ tenant: userTenant(`u-${randomUUID()}`), deviceId });
/** Base64 of `bytes` random bytes (the client's ciphertext). */
const blob = (bytes: number) => randomBytes(bytes).toString('base64');

async function usage(s: SyncSubject) {
  const u = await readUsage(dl, s.tenant);
  const card = (t: Parameters<typeof u.byType>[0]) => {
    const c = u.byType(t);
    return c ? { items: c.items, bytes: c.bytes, lastDevice: c.lastDevice } : undefined;
  };
  return { environment: card('environment'), secret: card('secret'), history: card('history'), total: u.total ? { items: u.total.items, bytes: u.total.bytes } : undefined };
}

describe('sync usage: items per type and the total, in each write’s transaction', () => {
  it('follows creates, replacements, history appends and clears exactly', async () => {
    const deps = withTotal(1 << 20);
    const a = freshSubject('dev-a');
    const b = { ...a, deviceId: 'dev-b' };
    await putSnapshot(deps, a, 'environment', 'prod', { blob: blob(1000) });
    await putSnapshot(deps, a, 'environment', 'dev', { blob: blob(300) });
    await putSnapshot(deps, b, 'environment', 'prod', { blob: blob(400), ifMatch: 1 }); // replaced: 1000 → 400
    await putSnapshot(deps, a, 'secret', 's', { blob: blob(50) });
    await appendHistory(deps, b, [0, 1, 2].map((idx) => ({ idx, blob: blob(10) })));
    await appendHistory(deps, b, [0, 1, 2].map((idx) => ({ idx, blob: blob(10) }))).catch(() => undefined); // another blob at stored idx: 409, no usage
    expect(await usage(a)).toEqual({
      environment: { items: 2, bytes: 700, lastDevice: 'dev-b' },
      secret: { items: 1, bytes: 50, lastDevice: 'dev-a' },
      history: { items: 3, bytes: 30, lastDevice: 'dev-b' },
      total: { items: 6, bytes: 780 },
    });
    await expect(clearType(deps, a, 'environment', ctx)).resolves.toEqual({ deleted: 2 });
    expect(await usage(a)).toMatchObject({ environment: { items: 0, bytes: 0, lastDevice: 'dev-a' }, total: { items: 4, bytes: 80 } });
    await expect(clearHistory(deps, a, ctx)).resolves.toEqual({ deleted: 3 });
    expect(await usage(a)).toMatchObject({ history: { items: 0, bytes: 0, lastDevice: 'dev-a' }, total: { items: 1, bytes: 50 } });
  });

  it('a write past the total is 413 too-large naming the limit and leaves nothing behind; a smaller replacement still goes', async () => {
    const deps = withTotal(2000);
    const s = freshSubject();
    await putSnapshot(deps, s, 'environment', 'a', { blob: blob(1500) });
    expect(await outcome(putSnapshot(deps, s, 'environment', 'b', { blob: blob(600) }))).toEqual({ kind: 'payload-too-large', code: 'too-large', extra: { limit: 2000, size: 2100 } });
    expect(await outcome(appendHistory(deps, s, [{ idx: 0, blob: blob(501) }]))).toMatchObject({ code: 'too-large', extra: { limit: 2000, size: 2001 } });
    expect(await usage(s)).toMatchObject({ total: { items: 1, bytes: 1500 }, environment: { items: 1, bytes: 1500 } });
    // at the limit exactly, and a replacement that shrinks, always pass
    await expect(putSnapshot(deps, s, 'environment', 'b', { blob: blob(500) })).resolves.toMatchObject({ version: 1 });
    await expect(putSnapshot(deps, s, 'environment', 'a', { blob: blob(3), ifMatch: 1 })).resolves.toMatchObject({ version: 2 });
    expect(await usage(s)).toMatchObject({ total: { items: 2, bytes: 503 } });
  });

  it('a burst of writes to different items that together cross the limit: the total never passes it, and no write gets a false 409', async () => {
    const deps = withTotal(10 * 1000);
    const s = freshSubject();
    const devices = ['d1', 'd2', 'd3'];
    const results = await Promise.all([
      ...Array.from({ length: 16 }, (_, i) => outcome(putSnapshot(deps, { ...s, deviceId: devices[i % 3] }, 'collection', `c${i}`, { blob: blob(1000) }))),
      ...devices.map((deviceId) => outcome(appendHistory(deps, { ...s, deviceId }, [{ idx: 0, blob: blob(1000) }]))),
    ]);
    const ok = results.filter((r) => r === 'ok').length;
    expect(ok).toBe(10);
    for (const r of results.filter((r) => r !== 'ok')) expect(r).toMatchObject({ kind: 'payload-too-large', code: 'too-large', extra: { limit: 10_000 } });
    const u = await usage(s);
    expect(u.total).toEqual({ items: 10, bytes: 10_000 });
    expect((u.history?.bytes ?? 0) + ((await readUsage(dl, s.tenant)).byType('collection')?.bytes ?? 0)).toBe(10_000);
  });

  it('a commit that lost only to a concurrent transaction on the shared total (TransactionConflict) is retried, not answered 409', async () => {
    // DynamoDB cancels a transaction touching an item another transaction is writing
    // (TransactionConflict); DynamoDB Local serialises instead, so the loss is injected once here.
    const s = freshSubject();
    let injected = 0;
    const repo: SyncDeps['repo'] = {
      ...dl.repo,
      tx: (tenant) => {
        const tx = dl.repo.tx(tenant);
        const commit = tx.commit.bind(tx);
        tx.commit = async () => {
          if (injected++ === 0) throw new ConflictError('A concurrent transaction touched the same items', 'transaction');
          return commit();
        };
        return tx;
      },
    };
    const deps = { ...withTotal(1 << 20), repo };
    await expect(putSnapshot(deps, s, 'environment', 'e', { blob: blob(10) })).resolves.toMatchObject({ version: 1 });
    injected = 0;
    await expect(putSnapshot(deps, s, 'environment', 'e', { blob: blob(10), ifMatch: 1 })).resolves.toMatchObject({ version: 2 });
    injected = 0;
    await expect(clearType(deps, s, 'environment', ctx)).resolves.toEqual({ deleted: 1 });
    expect(await usage(s)).toMatchObject({ environment: { items: 0, bytes: 0 }, total: { items: 0, bytes: 0 } });
  });

  it('concurrent writes to different items under the limit all commit (the shared total is an ADD, not a version guard)', async () => {
    const deps = withTotal(1 << 30);
    const s = freshSubject();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(putSnapshot(deps, s, 'setting', `k${i}`, { blob: blob(100) }))));
    expect(results).toEqual(Array(20).fill('ok'));
    expect((await readUsage(dl, s.tenant)).byType('setting')).toMatchObject({ items: 20, bytes: 2000 });
  });
});
