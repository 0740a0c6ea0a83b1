/**
 * The sync domain (functions/sync/) against DynamoDB Local and the local KMS: the wrapped
 * key (versions, 409, burst), snapshots (If-Match, 409 with the head, force, changed-since,
 * clear), history (append-only per device, idempotent retries, gaps, conflicts, paging,
 * two devices at once, 10,000 records in few transactions), sizes (413), selective sync,
 * events, and what lies at rest.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DecryptionError } from '../../functions/crypto/errors';
import { tenantPk, userTenant } from '../../functions/tenancy/tenant';
import { getSyncConfig, putSyncConfig } from '../../functions/sync/config';
import type { SyncDeps } from '../../functions/sync/deps';
import type { SyncSubject } from '../../functions/sync/entities';
import { SyncEventEntity } from '../../functions/sync/events';
import { appendHistory, clearHistory, historyStatus, readHistory } from '../../functions/sync/history';
import { HistoryRecordEntity } from '../../functions/sync/entities';
import { getWrappedKey, listWrappedKeyVersions, putWrappedKey } from '../../functions/sync/keys';
import { clearType, getSnapshot, listSnapshotHeads, putSnapshot } from '../../functions/sync/snapshots';
import { s3BlobStore } from '../../functions/sync/blob-store';
import { TABLE_BLOB_BYTES } from '../../functions/sync/deps';
import { readUsage } from '../../functions/sync/usage';
import { awsClientConfig, localStackEnv } from '../setup/env';
import { gatedRepo } from '../support/gated-repo';
import { outcome } from './domain-outcome';
import { layer, mainTable, partition } from './data-fixtures';

const dl = layer();
const deps: SyncDeps = { repo: dl.repo, blind: dl.blind, audit: dl.audit, now: Date.now, limits: { syncItemBytes: 2048, syncTotalBytes: 1 << 30, auditRetentionDays: 30 } };
/** The request a domain call audits (IP and user agent end up sealed in the user's chain). */
const ctx = { requestId: 'req-sync-test', ip: '203.0.113.7', userAgent: 'sync-test/1.0' };


const freshSubject = (deviceId = 'dev-a'): SyncSubject => ({ tenant: userTenant(`u-${randomUUID()}`), deviceId });
const blob = (bytes = 48) => randomBytes(bytes).toString('base64');

async function events(s: SyncSubject) {
  const page = await dl.repo.query(s.tenant, SyncEventEntity, { skPrefix: 'SYNCEV#', limit: 1000, consistent: true });
  return page.items.map((e) => ({ event: e.event, deviceId: e.deviceId, ...e.detail }));
}

describe('sync: wrapped key', () => {
  it('stores, replaces at the current version only, keeps every version, emits key_rotated', async () => {
    const s = freshSubject();
    expect(await outcome(getWrappedKey(deps, s.tenant))).toMatchObject({ kind: 'not-found', code: 'key-not-found' });
    const k1 = blob(), k2 = blob();
    await expect(putWrappedKey(deps, s, { blob: k1 }, ctx)).resolves.toMatchObject({ version: 1 });
    expect(await outcome(putWrappedKey(deps, s, { blob: k2 }, ctx))).toEqual({ kind: 'conflict', code: 'key-version-conflict', extra: { currentVersion: 1 } });
    expect(await outcome(putWrappedKey(deps, s, { blob: k2, expectedVersion: 3 }, ctx))).toMatchObject({ code: 'key-version-conflict', extra: { currentVersion: 1 } });
    await expect(putWrappedKey(deps, { ...s, deviceId: 'dev-b' }, { blob: k2, expectedVersion: 1 }, ctx)).resolves.toMatchObject({ version: 2 });
    await expect(getWrappedKey(deps, s.tenant)).resolves.toMatchObject({ blob: k2, version: 2, updatedBy: 'dev-b' });
    expect((await listWrappedKeyVersions(deps, s.tenant)).map((k) => [k.version, k.blob])).toEqual([[1, k1], [2, k2]]);
    expect(await events(s)).toEqual([{ event: 'key_rotated', deviceId: 'dev-b', version: 2 }]);
    expect(await outcome(putWrappedKey(deps, s, { blob: 'not base64!', expectedVersion: 2 }, ctx))).toMatchObject({ kind: 'invalid' });
    expect(await outcome(putWrappedKey(deps, s, { blob: blob(4097), expectedVersion: 2 }, ctx))).toMatchObject({ kind: 'payload-too-large', code: 'too-large', extra: { limit: 4096, size: 4097 } });
  });

  it('a burst of replacements at one version: exactly one wins, the rest get 409 with the new version', async () => {
    const s = freshSubject();
    await putWrappedKey(deps, s, { blob: blob() }, ctx);
    const results = await Promise.all(Array.from({ length: 12 }, () => outcome(putWrappedKey(deps, s, { blob: blob(), expectedVersion: 1 }, ctx))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    for (const r of results.filter((r) => r !== 'ok')) expect(r).toEqual({ kind: 'conflict', code: 'key-version-conflict', extra: { currentVersion: 2 } });
    expect(await listWrappedKeyVersions(deps, s.tenant)).toHaveLength(2);
  });

  it('a burst of first keys: exactly one wins', async () => {
    const s = freshSubject();
    const results = await Promise.all(Array.from({ length: 8 }, () => outcome(putWrappedKey(deps, s, { blob: blob() }, ctx))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
  });
});

describe('sync: snapshots', () => {
  it('creates, replaces at If-Match, answers a stale write with the head, force is recorded', async () => {
    const a = freshSubject('dev-a');
    const b = { ...a, deviceId: 'dev-b' };
    const v1 = blob(), v2 = blob(), v3 = blob(), v4 = blob();
    await expect(putSnapshot(deps, a, 'environment', 'prod', { blob: v1 })).resolves.toMatchObject({ version: 1 });
    // a write without If-Match on an existing item loses nothing silently
    const noMatch = await outcome(putSnapshot(deps, b, 'environment', 'prod', { blob: v2 }));
    expect(noMatch).toMatchObject({ kind: 'conflict', code: 'snapshot-conflict', extra: { current: { id: 'prod', version: 1, blob: v1, updatedBy: 'dev-a' } } });
    await expect(putSnapshot(deps, b, 'environment', 'prod', { blob: v2, ifMatch: 1 })).resolves.toMatchObject({ version: 2 });
    const stale = await outcome(putSnapshot(deps, a, 'environment', 'prod', { blob: v3, ifMatch: 1 }));
    expect(stale).toMatchObject({ code: 'snapshot-conflict', extra: { current: { version: 2, blob: v2, updatedBy: 'dev-b' } } });
    await expect(putSnapshot(deps, a, 'environment', 'prod', { blob: v3, ifMatch: 1, force: true })).resolves.toMatchObject({ version: 3, forcedOver: 2 });
    await expect(getSnapshot(deps, a.tenant, 'environment', 'prod')).resolves.toMatchObject({ blob: v3, version: 3, forcedOver: 2 });
    await expect(putSnapshot(deps, b, 'environment', 'prod', { blob: v4, ifMatch: 3 })).resolves.toMatchObject({ version: 4 });
    expect(await getSnapshot(deps, a.tenant, 'environment', 'prod')).not.toHaveProperty('forcedOver');
    // If-Match on an item that does not exist
    expect(await outcome(putSnapshot(deps, a, 'secret', 'gone', { blob: v1, ifMatch: 2 }))).toMatchObject({ code: 'snapshot-conflict', extra: { current: null } });
    expect(await outcome(putSnapshot(deps, a, 'bogus' as 'secret', 'x', { blob: v1 }))).toMatchObject({ kind: 'invalid' });
    expect(await outcome(putSnapshot(deps, a, 'secret', 'bad/id', { blob: v1 }))).toMatchObject({ kind: 'invalid' });
    expect(await outcome(putSnapshot(deps, a, 'secret', 'big', { blob: blob(2049) }))).toEqual({ kind: 'payload-too-large', code: 'too-large', extra: { limit: 2048, size: 2049 } });
    await expect(putSnapshot(deps, a, 'secret', 'exact', { blob: blob(2048) })).resolves.toMatchObject({ version: 1 });
    expect((await events(a)).filter((e) => e.event === 'data_updated').map((e) => [e.type, e.id, e.version])).toEqual([
      ['environment', 'prod', 1], ['environment', 'prod', 2], ['environment', 'prod', 3], ['environment', 'prod', 4], ['secret', 'exact', 1],
    ]);
  });

  it('a burst of writes at one If-Match: exactly one wins; a burst of forced writes all land, versions count them', async () => {
    const s = freshSubject();
    await putSnapshot(deps, s, 'collection', 'c1', { blob: blob() });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(putSnapshot(deps, { ...s, deviceId: `d${i}` }, 'collection', 'c1', { blob: blob(), ifMatch: 1 }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    for (const r of results.filter((r) => r !== 'ok')) expect(r).toMatchObject({ code: 'snapshot-conflict', extra: { current: { version: 2 } } });
    const forced = await Promise.all(Array.from({ length: 6 }, () => putSnapshot(deps, s, 'collection', 'c1', { blob: blob(), ifMatch: 1, force: true })));
    expect(forced.map((f) => f.version).sort((x, y) => x - y)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('lists heads changed since a cursor, and clears a type (data_cleared)', async () => {
    let clock = 1_700_000_000_000;
    const timed: SyncDeps = { ...deps, now: () => clock };
    const s = freshSubject();
    await putSnapshot(timed, s, 'setting', 'theme', { blob: blob() });
    clock += 60_000;
    await putSnapshot(timed, s, 'setting', 'font', { blob: blob() });
    await putSnapshot(timed, s, 'secret', 'other-type', { blob: blob() });
    const all = await listSnapshotHeads(deps, s.tenant, 'setting');
    expect(all.heads.map((h) => h.id)).toEqual(['theme', 'font']);
    expect(all.cursor).toBe(clock - 5_000);
    clock += 60_000;
    await putSnapshot(timed, s, 'setting', 'theme', { blob: blob(), ifMatch: 1 });
    const since = await listSnapshotHeads(deps, s.tenant, 'setting', { since: all.cursor });
    expect(since.heads.map((h) => [h.id, h.version])).toEqual([['font', 1], ['theme', 2]]);
    await expect(clearType(deps, s, 'setting', ctx)).resolves.toEqual({ deleted: 2 });
    expect((await listSnapshotHeads(deps, s.tenant, 'setting')).heads).toEqual([]);
    expect((await listSnapshotHeads(deps, s.tenant, 'secret')).heads).toHaveLength(1);
    expect((await events(s)).filter((e) => e.event === 'data_cleared')).toEqual([{ event: 'data_cleared', deviceId: 'dev-a', type: 'setting' }]);
    // events expire: each carries a TTL a day ahead
    const page = await dl.repo.query(s.tenant, SyncEventEntity, { skPrefix: 'SYNCEV#', consistent: true });
    for (const e of page.items) expect(e.ttl).toBeGreaterThan(Date.now() / 1000 + 23 * 3600);
  });
});

describe('sync: selective sync', () => {
  it('types are on by default; a disabled type refuses writes (sync-type-disabled); config_changed', async () => {
    const s = freshSubject();
    await expect(getSyncConfig(deps, s.tenant)).resolves.toEqual({ types: { history: true, environment: true, secret: true, collection: true, setting: true }, version: 0 });
    await expect(putSyncConfig(deps, s, { types: { secret: false, history: false } }, ctx)).resolves.toMatchObject({ types: { secret: false, history: false, setting: true }, version: 1 });
    expect(await outcome(putSnapshot(deps, s, 'secret', 'k', { blob: blob() }))).toEqual({ kind: 'conflict', code: 'sync-type-disabled', extra: { type: 'secret' } });
    expect(await outcome(appendHistory(deps, s, [{ idx: 0, blob: blob() }]))).toMatchObject({ code: 'sync-type-disabled', extra: { type: 'history' } });
    await expect(putSnapshot(deps, s, 'setting', 'k', { blob: blob() })).resolves.toMatchObject({ version: 1 });
    expect(await outcome(putSyncConfig(deps, s, { types: { nope: true } as never }, ctx))).toMatchObject({ kind: 'invalid' });
    await putSyncConfig(deps, s, { types: { secret: true } }, ctx);
    await expect(putSnapshot(deps, s, 'secret', 'k', { blob: blob() })).resolves.toMatchObject({ version: 1 });
    expect((await events(s)).filter((e) => e.event === 'config_changed')).toHaveLength(2);
  });

  it('a write whose settings read is overtaken by a switch-off does not land (its transaction checks the settings version)', async () => {
    const s = freshSubject();
    await putSyncConfig(deps, s, { types: { environment: true } }, ctx);
    // The write reads the settings (on), then the type is switched off before it commits.
    let switched = false;
    const racing: SyncDeps = {
      ...deps,
      repo: {
        ...dl.repo,
        getMany: (async (reads: never) => {
          const got = await dl.repo.getMany(reads);
          if (!switched) {
            switched = true;
            await putSyncConfig(deps, s, { types: { environment: false } }, ctx);
          }
          return got;
        }) as typeof dl.repo.getMany,
      },
    };
    expect(await outcome(putSnapshot(racing, s, 'environment', 'e', { blob: blob() }))).toMatchObject({ code: 'sync-type-disabled' });
    expect(switched).toBe(true);
    expect(await outcome(getSnapshot(deps, s.tenant, 'environment', 'e'))).toMatchObject({ kind: 'not-found' });
  });
});

describe('sync: history', () => {
  it('appends contiguous records, retries are idempotent, gaps and rewrites are refused', async () => {
    const s = freshSubject();
    const recs = Array.from({ length: 5 }, (_, idx) => ({ idx, blob: blob() }));
    await expect(appendHistory(deps, s, recs.slice(0, 3))).resolves.toEqual({ maxIdx: 2, appended: 3, transactions: 1 });
    await expect(appendHistory(deps, s, recs.slice(0, 3))).resolves.toEqual({ maxIdx: 2, appended: 0, transactions: 0 });
    await expect(appendHistory(deps, s, recs.slice(1, 5))).resolves.toEqual({ maxIdx: 4, appended: 2, transactions: 1 });
    expect(await outcome(appendHistory(deps, s, [{ idx: 3, blob: blob() }]))).toEqual({ kind: 'conflict', code: 'history-conflict', extra: { idx: 3 } });
    expect(await outcome(appendHistory(deps, s, [{ idx: 7, blob: blob() }]))).toEqual({ kind: 'conflict', code: 'history-gap', extra: { expectedIdx: 5 } });
    expect(await outcome(appendHistory(deps, s, [{ idx: 5, blob: blob() }, { idx: 7, blob: blob() }]))).toMatchObject({ code: 'history-gap', extra: { expectedIdx: 6 } });
    expect(await outcome(appendHistory(deps, s, [{ idx: 6, blob: blob() }, { idx: 5, blob: blob() }]))).toMatchObject({ kind: 'invalid' });
    expect(await outcome(appendHistory(deps, s, [{ idx: 5, blob: blob(2049) }]))).toEqual({ kind: 'payload-too-large', code: 'too-large', extra: { limit: 2048, size: 2049 } });
    expect(await outcome(appendHistory(deps, s, []))).toMatchObject({ kind: 'invalid' });
    expect(await outcome(appendHistory(deps, { ...s, deviceId: 'x' }, [{ idx: 1, blob: blob() }]))).toMatchObject({ code: 'history-gap', extra: { expectedIdx: 0 } });
    expect(await historyStatus(deps, s.tenant)).toEqual({ 'dev-a': 4 });
    const read = await readHistory(deps, s.tenant, 'dev-a', 0);
    expect(read).toEqual({ records: recs });
  });

  it('two devices append concurrently and one device retries concurrently: every log is whole', async () => {
    const s = freshSubject();
    const logs = { 'dev-a': Array.from({ length: 300 }, (_, idx) => ({ idx, blob: blob(20) })), 'dev-b': Array.from({ length: 300 }, (_, idx) => ({ idx, blob: blob(20) })) };
    const calls = Object.entries(logs).flatMap(([deviceId, recs]) => [
      appendHistory(deps, { ...s, deviceId }, recs),
      appendHistory(deps, { ...s, deviceId }, recs), // the same push twice at once (a retry)
      appendHistory(deps, { ...s, deviceId }, recs.slice(0, 150)),
    ]);
    const results = await Promise.all(calls);
    expect(results.reduce((n, r) => n + r.appended, 0)).toBe(600);
    expect(await historyStatus(deps, s.tenant)).toEqual({ 'dev-a': 299, 'dev-b': 299 });
    for (const [deviceId, recs] of Object.entries(logs)) {
      const got: { idx: number; blob: string }[] = [];
      let from: number | undefined = 0;
      while (from !== undefined) {
        const page: Awaited<ReturnType<typeof readHistory>> = await readHistory(deps, s.tenant, deviceId, from, { limit: 120 });
        got.push(...page.records);
        from = page.nextIdx;
      }
      expect(got).toEqual(recs);
    }
    const head = await dl.repo.query(s.tenant, SyncEventEntity, { skPrefix: 'SYNCEV#', consistent: true, limit: 100 });
    expect(head.items.every((e) => e.event === 'data_updated')).toBe(true);
  });

  it('pages by count and by bytes (at least one record per page)', async () => {
    const s = freshSubject();
    const recs = Array.from({ length: 10 }, (_, idx) => ({ idx, blob: blob(300) }));
    await appendHistory(deps, s, recs);
    await expect(readHistory(deps, s.tenant, 'dev-a', 0, { limit: 4 })).resolves.toEqual({ records: recs.slice(0, 4), nextIdx: 4 });
    await expect(readHistory(deps, s.tenant, 'dev-a', 4, { maxBytes: 700 })).resolves.toEqual({ records: recs.slice(4, 6), nextIdx: 6 });
    await expect(readHistory(deps, s.tenant, 'dev-a', 6, { maxBytes: 10 })).resolves.toEqual({ records: recs.slice(6, 7), nextIdx: 7 });
    await expect(readHistory(deps, s.tenant, 'dev-a', 7)).resolves.toEqual({ records: recs.slice(7) });
    await expect(readHistory(deps, s.tenant, 'dev-a', 10)).resolves.toEqual({ records: [] });
    await expect(readHistory(deps, s.tenant, 'nobody', 0)).resolves.toEqual({ records: [] });
  });

  it('10,000 records sync in about a hundred transactions and read back in full', async () => {
    const s = freshSubject();
    const recs = Array.from({ length: 10_000 }, (_, idx) => ({ idx, blob: blob(64) }));
    const t0 = Date.now();
    let transactions = 0;
    for (let i = 0; i < recs.length; i += 5000) transactions += (await appendHistory(deps, s, recs.slice(i, i + 5000))).transactions;
    const pushMs = Date.now() - t0;
    expect(transactions).toBe(Math.ceil(5000 / 95) * 2); // 95 records per transaction (history.ts RECORDS_PER_TX)
    const t1 = Date.now();
    let pages = 0;
    let got = 0;
    for (let from: number | undefined = 0; from !== undefined; pages++) {
      const page: Awaited<ReturnType<typeof readHistory>> = await readHistory(deps, s.tenant, 'dev-a', from, { limit: 5000 });
      got += page.records.length;
      from = page.nextIdx;
    }
    expect(got).toBe(10_000);
    console.log(`sync history: 10,000 records pushed in ${transactions} transactions (${pushMs} ms), pulled in ${pages} pages / ${10_000 / 100} BatchGetItem (${Date.now() - t1} ms)`);
  }, 120_000);
});

describe('sync: at rest', () => {
  it('neither blobs nor item ids nor event details are in the table; AAD binds the item', async () => {
    const s = freshSubject();
    const secretBlob = Buffer.from(`SENTINEL-blob-${randomUUID()}`).toString('base64');
    const id = `SENTINEL-id-${randomUUID()}`;
    await putWrappedKey(deps, s, { blob: secretBlob }, ctx);
    await putSnapshot(deps, s, 'secret', id, { blob: secretBlob });
    await appendHistory(deps, s, [{ idx: 0, blob: secretBlob }]);
    const raw = JSON.stringify(await partition(mainTable(), tenantPk(s.tenant)));
    expect(raw).toContain('SYNCSNAP#secret#');
    for (const needle of [secretBlob, id, 'SENTINEL']) expect(raw).not.toContain(needle);
    // AAD binds tenant, type and item: another item's sealed blob does not open here
    await putSnapshot(deps, s, 'secret', 'other', { blob: blob() });
    const items = await partition(mainTable(), tenantPk(s.tenant));
    const snaps = items.filter((i) => String(i.sk).startsWith('SYNCSNAP#secret#'));
    const victim = snaps.find((i) => i.blob !== snaps[0].blob)!;
    await mainTable().doc.send(new PutCommand({ TableName: mainTable().name, Item: { ...victim, blob: snaps[0].blob } }));
    const reads = await Promise.allSettled([getSnapshot(deps, s.tenant, 'secret', 'other'), getSnapshot(deps, s.tenant, 'secret', id)]);
    expect(reads.map((r) => (r.status === 'rejected' ? (r.reason as Error).constructor : 'ok')).sort()).toEqual([DecryptionError, 'ok'].sort());
  });
});

describe('sync: large snapshot blobs in S3', () => {
  const s3 = new S3Client({ ...awsClientConfig(), forcePathStyle: true });
  const bucket = `sync-blobs-${randomUUID().slice(0, 8)}`;
  const large: SyncDeps = { ...deps, limits: { ...deps.limits, syncItemBytes: 1024 * 1024 }, blobs: s3BlobStore({ s3, bucket, kmsKeyId: localStackEnv().kmsKeyId }) };
  const objects = async (s: SyncSubject) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `sync/${s.tenant.id}/` }))).Contents ?? []).map((o) => o.Key!);
  // fauxqs ignores SSE headers, so the test reads what the adapter puts on the wire.
  const sse: (string | undefined)[][] = [];
  s3.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string>; method?: string }).headers ?? {};
      if ((args.request as { method?: string }).method === 'PUT' && 'x-amz-server-side-encryption' in headers) {
        sse.push([headers['x-amz-server-side-encryption'], headers['x-amz-server-side-encryption-aws-kms-key-id']]);
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordSse' },
  );
  beforeAll(() => s3.send(new CreateBucketCommand({ Bucket: bucket })));
  afterAll(() => s3.destroy());

  it('a blob over the table budget goes to S3 (random key, hash in the item), replaced objects go, 409 heads carry it, clear removes it', async () => {
    const s = freshSubject();
    const big1 = blob(TABLE_BLOB_BYTES + 1), big2 = blob(300 * 1024);
    await expect(putSnapshot(large, s, 'collection', 'big', { blob: big1 })).resolves.toMatchObject({ version: 1 });
    await expect(getSnapshot(large, s.tenant, 'collection', 'big')).resolves.toMatchObject({ blob: big1, bytes: TABLE_BLOB_BYTES + 1 });
    const raw = (await partition(mainTable(), tenantPk(s.tenant))).find((i) => String(i.sk).startsWith('SYNCSNAP#'))!;
    expect(raw).toMatchObject({ blobKey: expect.stringMatching(new RegExp(`^sync/${s.tenant.id}/[A-Za-z0-9_-]{24}$`)) });
    expect(raw).not.toHaveProperty('blob');
    expect(await objects(s)).toEqual([raw.blobKey]);
    expect(sse).toEqual([['aws:kms', localStackEnv().kmsKeyId]]);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: String(raw.blobKey) }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(Buffer.from(big1, 'base64'))).toBe(true);
    // a stale write gets the large head to merge
    expect(await outcome(putSnapshot(large, s, 'collection', 'big', { blob: blob() }))).toMatchObject({ code: 'snapshot-conflict', extra: { current: { version: 1, blob: big1 } } });
    await putSnapshot(large, s, 'collection', 'big', { blob: big2, ifMatch: 1 });
    expect(await objects(s)).toHaveLength(1);
    await putSnapshot(large, s, 'collection', 'big', { blob: blob(), ifMatch: 2 }); // back into the table
    expect(await objects(s)).toEqual([]);
    await putSnapshot(large, s, 'collection', 'big', { blob: big2, ifMatch: 3 });
    await expect(clearType(large, s, 'collection', ctx)).resolves.toEqual({ deleted: 1 });
    expect(await objects(s)).toEqual([]);
  });

  it('a large write that loses a burst leaves no object; a tampered object does not read', async () => {
    const s = freshSubject();
    await putSnapshot(large, s, 'environment', 'e', { blob: blob() });
    const results = await Promise.all(Array.from({ length: 6 }, () => outcome(putSnapshot(large, s, 'environment', 'e', { blob: blob(TABLE_BLOB_BYTES + 10), ifMatch: 1 }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    const keys = await objects(s);
    expect(keys).toHaveLength(1);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: keys[0], Body: randomBytes(TABLE_BLOB_BYTES + 10) }));
    await expect(getSnapshot(large, s.tenant, 'environment', 'e')).rejects.toThrow(/does not match its hash/);
  });

  it('a large write is stamped after its upload, so a slow upload never puts its event behind a feed cursor already handed out', async () => {
    const s = freshSubject();
    let clock = 1_700_000_000_000;
    const store = large.blobs!;
    const slowUpload: SyncDeps = { ...large, now: () => clock, blobs: { ...store, put: async (k, b) => { clock += 30_000; await store.put(k, b); } } };
    const written = await putSnapshot(slowUpload, s, 'environment', 'slow', { blob: blob(TABLE_BLOB_BYTES + 1) });
    expect(written.updatedAt).toBe(new Date(1_700_000_030_000).toISOString());
    const events = (await partition(mainTable(), tenantPk(s.tenant))).filter((i) => String(i.sk).startsWith('SYNCEV#'));
    expect(events.map((e) => String(e.sk).slice('SYNCEV#'.length, 'SYNCEV#'.length + 13))).toEqual(['1700000030000']);
  });

  it('413 names the limit: the tier’s item size with S3, the table budget without it and for history records', async () => {
    const s = freshSubject();
    expect(await outcome(putSnapshot(large, s, 'secret', 'x', { blob: blob(1024 * 1024 + 1) }))).toEqual({ kind: 'payload-too-large', code: 'too-large', extra: { limit: 1024 * 1024, size: 1024 * 1024 + 1 } });
    const noStore: SyncDeps = { ...large, blobs: undefined };
    expect(await outcome(putSnapshot(noStore, s, 'secret', 'x', { blob: blob(TABLE_BLOB_BYTES + 1) }))).toMatchObject({ code: 'too-large', extra: { limit: TABLE_BLOB_BYTES } });
    // the table budget, sealed, is a valid DynamoDB item (DynamoDB Local refuses items over 400 KB)
    await expect(putSnapshot(noStore, s, 'secret', 'x', { blob: blob(TABLE_BLOB_BYTES) })).resolves.toMatchObject({ version: 1 });
    await expect(appendHistory(noStore, s, [{ idx: 0, blob: blob(TABLE_BLOB_BYTES) }])).resolves.toMatchObject({ maxIdx: 0 });
    expect(await outcome(appendHistory(large, s, [{ idx: 0, blob: blob(TABLE_BLOB_BYTES + 1) }]))).toMatchObject({ code: 'too-large', extra: { limit: TABLE_BLOB_BYTES } });
    expect(await objects(s)).toEqual([]);
  });
});

describe('sync: heads paged by size, history cleared', () => {
  it('pages heads by size: `more` + cursor until the last page, every head once at least, oldest first', async () => {
    let clock = 1_700_000_000_000;
    const timed: SyncDeps = { ...deps, now: () => clock };
    const s = freshSubject();
    const ids = Array.from({ length: 7 }, (_, i) => `item-${i}`);
    for (const id of ids) {
      await putSnapshot(timed, s, 'environment', id, { blob: blob(300) });
      clock += 1_000;
    }
    // A head is its base64 blob (400 chars) and 512 for the rest: two per 2,000 chars.
    const seen: string[] = [];
    let since = 0;
    let pages = 0;
    for (let more = true; more; pages++) {
      const page = await listSnapshotHeads(deps, s.tenant, 'environment', { since, pageChars: 2_000 });
      expect(page.heads.length).toBeLessThanOrEqual(2);
      seen.push(...page.heads.map((h) => h.id));
      ({ more, cursor: since } = page);
    }
    expect(pages).toBe(4);
    expect([...new Set(seen)]).toEqual(ids);
    // One page when it fits; an item larger than a page still comes, alone.
    expect(await listSnapshotHeads(deps, s.tenant, 'environment')).toMatchObject({ more: false, heads: expect.arrayContaining([expect.objectContaining({ id: 'item-6' })]) });
    expect((await listSnapshotHeads(deps, s.tenant, 'environment', { pageChars: 10 })).heads).toHaveLength(1);
  });

  it('never cuts inside one millisecond when the cursor would not move: the page takes the whole millisecond', async () => {
    const clock = 1_700_000_000_000;
    const s = freshSubject();
    for (let i = 0; i < 5; i++) await putSnapshot({ ...deps, now: () => clock }, s, 'setting', `same-${i}`, { blob: blob(300) });
    await putSnapshot({ ...deps, now: () => clock + 1 }, s, 'setting', 'later', { blob: blob(300) });
    const first = await listSnapshotHeads(deps, s.tenant, 'setting', { since: clock, pageChars: 2_000 });
    expect(first.heads.map((h) => h.id).sort()).toEqual(['same-0', 'same-1', 'same-2', 'same-3', 'same-4']);
    expect(first).toMatchObject({ more: true, cursor: clock + 1 });
    const second = await listSnapshotHeads(deps, s.tenant, 'setting', { since: first.cursor, pageChars: 2_000 });
    expect(second).toMatchObject({ more: false, heads: [expect.objectContaining({ id: 'later' })] });
  });

  it("clears every device's history (records and heads, data_cleared); an append landing while the clear lists a log is cleared too, never left behind its deleted head", async () => {
    const a = freshSubject('dev-a');
    const b = { ...a, deviceId: 'dev-b' };
    await appendHistory(deps, a, Array.from({ length: 250 }, (_, idx) => ({ idx, blob: blob(16) })));
    await appendHistory(deps, b, [{ idx: 0, blob: blob(16) }]);
    // The clear has listed dev-a's records; dev-a appends before the clear goes on.
    const g = gatedRepo(dl.repo, { afterQuery: HistoryRecordEntity });
    const clearing = clearHistory({ ...deps, repo: g.repo }, b, ctx);
    await g.arrived;
    await appendHistory(deps, a, [{ idx: 250, blob: blob(16) }]);
    g.open();
    expect((await clearing).deleted).toBe(252);
    expect(await historyStatus(deps, a.tenant)).toEqual({});
    const raw = await dl.repo.query(a.tenant, HistoryRecordEntity, { skPrefix: 'SYNCHIST#', consistent: true, limit: 10 });
    expect(raw.items).toEqual([]);
    expect((await events(a)).filter((e) => e.event === 'data_cleared')).toEqual([{ event: 'data_cleared', deviceId: 'dev-b', type: 'history' }]);
    // Cleared: a device starts again at idx 0.
    expect(await outcome(appendHistory(deps, a, [{ idx: 251, blob: blob(16) }]))).toMatchObject({ code: 'history-gap', extra: { expectedIdx: 0 } });
    await expect(appendHistory(deps, a, [{ idx: 0, blob: blob(16) }])).resolves.toMatchObject({ maxIdx: 0, appended: 1 });
    // The usage followed every append and the clear exactly: one record left.
    expect((await readUsage(dl, a.tenant)).byType('history')).toMatchObject({ items: 1, bytes: 16 });
  });
});
