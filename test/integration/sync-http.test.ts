/**
 * The sync data routes over HTTP through the local gateway, as linked devices: the wrapped key,
 * selective sync, snapshots (If-Match / ETag, force, paging), history, clearing; every 409
 * (key-version-conflict, snapshot-conflict with the head, history-gap, history-conflict,
 * sync-type-disabled), 410 (expired device token), 413 naming the tier's limit, 400 with field
 * detail, 404; a burst of writes at one version; the events long-poll woken by another device's write.
 */
import { randomBytes } from 'node:crypto';
import { DeviceEntity, deviceSk } from '../../functions/devices/entities';
import { limitsFor } from '../../functions/platform/tiers';
import { functions } from '../../functions/platform/manifest';
import { EVENT_TTL_SECONDS, eventSkAfter, SyncEventEntity } from '../../functions/sync/events';
import { MAX_WAIT_SECONDS } from '../../functions/sync/feed';
import { userTenant } from '../../functions/tenancy/tenant';
import { linkedDevice } from '../support/device-authorization';
import { call, signUpWithToken, type CallResult } from '../support/http';
import { dataLayer } from './jobs-harness';

const blob = (bytes = 48) => randomBytes(bytes).toString('base64');
const snap = (type: string, id: string) => `/api/v1/sync/data/${type}/${id}`;

interface Device {
  userId: string;
  deviceId: string;
  token: string;
}

/** A fresh user with `n` linked devices. */
async function userWithDevices(n: number): Promise<Device[]> {
  const owner = await signUpWithToken();
  const out: Device[] = [];
  for (let i = 0; i < n; i++) {
    const d = await linkedDevice(owner.token, `Device ${i}`);
    out.push({ userId: owner.userId, deviceId: d.deviceId, token: d.deviceToken });
  }
  return out;
}

const as = (d: Device, method: string, path: string, o: { body?: unknown; headers?: Record<string, string> } = {}) => call(method, path, { token: d.token, ...o });

function expectProblem(r: CallResult, status: number, code: string) {
  expect({ status: r.status, type: r.body?.type }).toEqual({ status, type: expect.stringMatching(new RegExp(`/${code}$`)) });
}

const fieldsOf = (r: CallResult) => (r.body.errors as { in: string; field: string }[]).map((e) => `${e.in}:${e.field}`);

/** The events stored in the user's partition (the feed reads the same items). */
async function storedEvents(d: Device) {
  const page = await dataLayer().repo.query(userTenant(d.userId), SyncEventEntity, { skPrefix: 'SYNCEV#', limit: 1000, consistent: true });
  return page.items.map((e) => ({ event: e.event, deviceId: e.deviceId, ...e.detail }));
}

describe('sync data over HTTP', () => {
  let a: Device, b: Device;
  beforeAll(async () => {
    [a, b] = await userWithDevices(2);
  });

  it('the wrapped key: 404 before the first, then versions; a stale replacement is 409 with the current version', async () => {
    expectProblem(await as(a, 'GET', '/api/v1/sync/key'), 404, 'key-not-found');
    const k1 = blob(), k2 = blob();
    const first = await as(a, 'PUT', '/api/v1/sync/key', { body: { blob: k1, expectedVersion: 0 } });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(1);
    const stale = await as(b, 'PUT', '/api/v1/sync/key', { body: { blob: k2, expectedVersion: 0 } });
    expectProblem(stale, 409, 'key-version-conflict');
    expect(stale.body.currentVersion).toBe(1);
    expect((await as(b, 'PUT', '/api/v1/sync/key', { body: { blob: k2, expectedVersion: 1 } })).body.version).toBe(2);
    expect((await as(a, 'GET', '/api/v1/sync/key')).body).toMatchObject({ blob: k2, version: 2, updatedBy: b.deviceId });
    const versions = await as(a, 'GET', '/api/v1/sync/key/versions');
    expect(versions.body.versions.map((v: { version: number; blob: string }) => [v.version, v.blob])).toEqual([[1, k1], [2, k2]]);
    const bad = await as(a, 'PUT', '/api/v1/sync/key', { body: { blob: 'not base64!', expectedVersion: 2 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'blob', code: 'invalid-blob' })]);
    const noVersion = await as(a, 'PUT', '/api/v1/sync/key', { body: { blob: k1 } });
    expect(noVersion.status).toBe(400);
    expect(fieldsOf(noVersion)).toEqual(['body:expectedVersion']);
  });

  it('snapshots: create, ETag, If-Match, a stale write is 409 with the current head, force records what it overwrote', async () => {
    const v1 = blob(), v2 = blob(), v3 = blob(), forced = blob();
    const created = await as(a, 'PUT', snap('environment', 'env.prod'), { body: { blob: v1 } });
    expect(created.status).toBe(200);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({ version: 1 });
    // Absent If-Match means "create only": the item exists.
    const again = await as(b, 'PUT', snap('environment', 'env.prod'), { body: { blob: v2 } });
    expectProblem(again, 409, 'snapshot-conflict');
    expect(again.body.current).toMatchObject({ id: 'env.prod', version: 1, blob: v1, updatedBy: a.deviceId });
    const read = await as(b, 'GET', snap('environment', 'env.prod'));
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body).toMatchObject({ id: 'env.prod', version: 1, blob: v1, bytes: 48 });
    const second = await as(b, 'PUT', snap('environment', 'env.prod'), { body: { blob: v2 }, headers: { 'if-match': read.headers.get('etag')! } });
    expect(second.status).toBe(200);
    expect(second.headers.get('etag')).toBe('"2"');
    // A edits from version 1: stale, and the answer holds B's head to merge with.
    const stale = await as(a, 'PUT', snap('environment', 'env.prod'), { body: { blob: v3 }, headers: { 'if-match': '"1"' } });
    expectProblem(stale, 409, 'snapshot-conflict');
    expect(stale.body.current).toMatchObject({ version: 2, blob: v2, updatedBy: b.deviceId });
    const lww = await as(a, 'PUT', snap('environment', 'env.prod'), { body: { blob: forced, force: true }, headers: { 'if-match': '"1"' } });
    expect(lww.status).toBe(200);
    expect(lww.body).toMatchObject({ version: 3, forcedOver: 2 });
    expect((await as(b, 'GET', snap('environment', 'env.prod'))).body).toMatchObject({ version: 3, blob: forced, forcedOver: 2 });
    const listed = await as(b, 'GET', '/api/v1/sync/data/environment?since=0');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ more: false, heads: [expect.objectContaining({ id: 'env.prod', version: 3, blob: forced })] });
    expect(typeof listed.body.cursor).toBe('number');
    expectProblem(await as(a, 'GET', snap('environment', 'env.missing')), 404, 'item-not-found');
  });

  it('a burst of 8 writes at one version: exactly one 200, the rest 409 with the head it wrote', async () => {
    await as(a, 'PUT', snap('secret', 'burst'), { body: { blob: blob() } });
    const blobs = Array.from({ length: 8 }, () => blob());
    const results = await Promise.all(blobs.map((x, i) => as(i % 2 ? a : b, 'PUT', snap('secret', 'burst'), { body: { blob: x }, headers: { 'if-match': '"1"' } })));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    const winner = blobs[results.indexOf(won[0]!)];
    for (const r of results.filter((x) => x.status !== 200)) {
      expectProblem(r, 409, 'snapshot-conflict');
      expect(r.body.current).toMatchObject({ version: 2, blob: winner });
    }
    expect((await as(a, 'GET', snap('secret', 'burst'))).body).toMatchObject({ version: 2, blob: winner });
  });

  it('400 with field detail: bad type, bad id, bad blob, bad If-Match, unknown body fields', async () => {
    const badType = await as(a, 'PUT', snap('history', 'x'), { body: { blob: blob() } });
    expect(badType.status).toBe(400);
    expect(fieldsOf(badType)).toEqual(['path:type']);
    expect(fieldsOf(await as(a, 'GET', '/api/v1/sync/data/bogus'))).toEqual(['path:type']);
    expect(fieldsOf(await as(a, 'DELETE', '/api/v1/sync/data/bogus'))).toEqual(['path:type']);
    expect(fieldsOf(await as(a, 'GET', snap('secret', 'x'.repeat(129))))).toEqual(['path:id']);
    expect(fieldsOf(await as(a, 'PUT', snap('secret', 'a%20b'), { body: { blob: blob() } }))).toEqual(['path:id']);
    const badBlob = await as(a, 'PUT', snap('secret', 'ok'), { body: { blob: '***' } });
    expect(badBlob.status).toBe(400);
    expect(badBlob.body.errors).toEqual([expect.objectContaining({ in: 'body', field: 'blob', code: 'invalid-blob' })]);
    for (const ifMatch of ['W/"1"', '1', '"0"', '"1", "2"', '*']) {
      const r = await as(a, 'PUT', snap('secret', 'ok'), { body: { blob: blob() }, headers: { 'if-match': ifMatch } });
      expect(r.status).toBe(400);
      expect(fieldsOf(r)).toEqual(['header:if-match']);
    }
    expect(fieldsOf(await as(a, 'PUT', snap('secret', 'ok'), { body: { blob: blob(), extra: 1 } }))).toEqual(['body:extra']);
    expect(fieldsOf(await as(a, 'GET', '/api/v1/sync/data/secret?since=-1'))).toEqual(['query:since']);
    expect(fieldsOf(await as(a, 'PUT', '/api/v1/sync/config', { body: { types: { bogus: false } } }))).toEqual(['body:types.bogus']);
    expect(fieldsOf(await as(a, 'GET', `/api/v1/sync/history/${a.deviceId}?limit=0`))).toEqual(['query:limit']);
    expect(fieldsOf(await as(a, 'GET', '/api/v1/sync/history/bad.id'))).toEqual(['path:deviceId']);
    expect(fieldsOf(await as(a, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 0, blob: 'x y' }] } }))).toEqual(['body:records.0.blob']);
    expect(fieldsOf(await as(a, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 1, blob: blob() }, { idx: 1, blob: blob() }] } }))).toEqual(['body:records.1.idx']);
  });

  it("413 too-large names the tier's limit (free: snapshot items and history records)", async () => {
    const limit = limitsFor('free').syncItemBytes;
    const big = await as(a, 'PUT', snap('collection', 'big'), { body: { blob: blob(limit + 1) } });
    expectProblem(big, 413, 'too-large');
    expect(big.body).toMatchObject({ limit, size: limit + 1 });
    expect(big.body.detail).toContain(String(limit));
    expect((await as(a, 'PUT', snap('collection', 'big'), { body: { blob: blob(limit) } })).status).toBe(200);
    const record = await as(a, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 0, blob: blob(limit + 1) }] } });
    expectProblem(record, 413, 'too-large');
    expect(record.body).toMatchObject({ limit, size: limit + 1 });
  });

  it('history: append, idempotent retry, 409 history-gap and history-conflict, status, paging, reading the other device', async () => {
    const records = Array.from({ length: 5 }, (_, idx) => ({ idx, blob: blob(32) }));
    const appended = await as(a, 'POST', '/api/v1/sync/history', { body: { records: records.slice(0, 3) } });
    expect(appended.status).toBe(200);
    expect(appended.body).toMatchObject({ maxIdx: 2, appended: 3, transactions: 1 });
    // A retry of the same records (the answer was lost) changes nothing.
    expect((await as(a, 'POST', '/api/v1/sync/history', { body: { records: records.slice(0, 3) } })).body).toMatchObject({ maxIdx: 2, appended: 0 });
    const gap = await as(a, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 5, blob: blob(32) }] } });
    expectProblem(gap, 409, 'history-gap');
    expect(gap.body.expectedIdx).toBe(3);
    const rewrite = await as(a, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 1, blob: blob(32) }] } });
    expectProblem(rewrite, 409, 'history-conflict');
    expect(rewrite.body.idx).toBe(1);
    expect((await as(a, 'POST', '/api/v1/sync/history', { body: { records: records.slice(2) } })).body).toMatchObject({ maxIdx: 4, appended: 2 });
    await as(b, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 0, blob: blob(32) }] } });
    expect((await as(b, 'GET', '/api/v1/sync/history')).body.devices).toEqual({ [a.deviceId]: 4, [b.deviceId]: 0 });
    const page = await as(b, 'GET', `/api/v1/sync/history/${a.deviceId}?fromIdx=1&limit=2`);
    expect(page.body).toEqual({ records: records.slice(1, 3), nextIdx: 3 });
    expect((await as(b, 'GET', `/api/v1/sync/history/${a.deviceId}?fromIdx=3`)).body).toEqual({ records: records.slice(3) });
  });

  it('selective sync: a type turned off refuses writes with 409 sync-type-disabled (config_changed), on again accepts them', async () => {
    const [c, d] = await userWithDevices(2);
    expect((await as(c, 'GET', '/api/v1/sync/config')).body).toEqual({ types: { history: true, environment: true, secret: true, collection: true, setting: true }, version: 0 });
    const off = await as(c, 'PUT', '/api/v1/sync/config', { body: { types: { secret: false, history: false } } });
    expect(off.body).toMatchObject({ types: { secret: false, history: false, environment: true }, version: 1 });
    const refused = await as(d, 'PUT', snap('secret', 's1'), { body: { blob: blob() } });
    expectProblem(refused, 409, 'sync-type-disabled');
    expect(refused.body.type).toMatch(/sync-type-disabled$/);
    expectProblem(await as(d, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 0, blob: blob() }] } }), 409, 'sync-type-disabled');
    expect((await as(d, 'PUT', snap('setting', 's1'), { body: { blob: blob() } })).status).toBe(200);
    await as(d, 'PUT', '/api/v1/sync/config', { body: { types: { secret: true } } });
    expect((await as(d, 'PUT', snap('secret', 's1'), { body: { blob: blob() } })).status).toBe(200);
    expect((await storedEvents(c)).filter((e) => e.event === 'config_changed').map((e) => e.deviceId)).toEqual([c.deviceId, d.deviceId]);
  });

  it("clearing: a snapshot type, and history — every device's records and heads (data_cleared)", async () => {
    const [c, d] = await userWithDevices(2);
    await as(c, 'PUT', snap('environment', 'e1'), { body: { blob: blob() } });
    await as(c, 'PUT', snap('environment', 'e2'), { body: { blob: blob() } });
    await as(c, 'PUT', snap('secret', 'kept'), { body: { blob: blob() } });
    await as(c, 'POST', '/api/v1/sync/history', { body: { records: Array.from({ length: 150 }, (_, idx) => ({ idx, blob: blob(16) })) } });
    await as(d, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 0, blob: blob(16) }] } });
    const env = await as(d, 'DELETE', '/api/v1/sync/data/environment');
    expect(env.body).toEqual({ deleted: 2 });
    expect((await as(c, 'GET', '/api/v1/sync/data/environment')).body.heads).toEqual([]);
    expect((await as(c, 'GET', '/api/v1/sync/data/secret')).body.heads).toHaveLength(1);
    const history = await as(d, 'DELETE', '/api/v1/sync/data/history');
    expect(history.body).toEqual({ deleted: 151 });
    expect((await as(c, 'GET', '/api/v1/sync/history')).body.devices).toEqual({});
    expect((await as(c, 'GET', `/api/v1/sync/history/${c.deviceId}`)).body).toEqual({ records: [] });
    // A cleared log starts again at idx 0.
    expectProblem(await as(c, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 150, blob: blob(16) }] } }), 409, 'history-gap');
    expect((await as(c, 'POST', '/api/v1/sync/history', { body: { records: [{ idx: 0, blob: blob(16) }] } })).body).toMatchObject({ maxIdx: 0, appended: 1 });
    const cleared = (await storedEvents(c)).filter((e) => e.event === 'data_cleared');
    expect(cleared).toEqual([
      { event: 'data_cleared', deviceId: d.deviceId, type: 'environment' },
      { event: 'data_cleared', deviceId: d.deviceId, type: 'history' },
    ]);
  });

  it('an expired device token gets 410 session-expired on the data routes; the data stays', async () => {
    const [c, d] = await userWithDevices(2);
    await as(c, 'PUT', snap('setting', 'theme'), { body: { blob: blob() } });
    const repo = dataLayer().repo;
    const tenant = userTenant(c.userId);
    const item = (await repo.get(tenant, DeviceEntity, deviceSk(c.deviceId)))!;
    await repo.update(tenant, DeviceEntity, deviceSk(c.deviceId), { expiresAt: Date.now() - 1000 }, { expectedVersion: item.version });
    expectProblem(await as(c, 'GET', snap('setting', 'theme')), 410, 'session-expired');
    expectProblem(await as(c, 'PUT', snap('setting', 'theme'), { body: { blob: blob() }, headers: { 'if-match': '"1"' } }), 410, 'session-expired');
    expect((await as(d, 'GET', snap('setting', 'theme'))).body.version).toBe(1);
  });

  it("events: B long-polls, A writes, B's poll answers with data_updated well before its wait ends", async () => {
    const [c, d] = await userWithDevices(2);
    const start = await as(d, 'GET', '/api/v1/sync/events');
    expect(start.status).toBe(200);
    expect(start.body.events).toEqual([]);
    const began = Date.now();
    const polling = as(d, 'GET', `/api/v1/sync/events?after=${start.body.cursor}&wait=15`);
    await new Promise((r) => setTimeout(r, 400));
    await as(c, 'PUT', snap('collection', 'wake'), { body: { blob: blob() } });
    const woke = await polling;
    const took = Date.now() - began;
    expect(woke.status).toBe(200);
    expect(woke.body.events).toEqual([expect.objectContaining({ event: 'data_updated', deviceId: c.deviceId, type: 'collection', id: 'wake', version: 1, cursor: woke.body.cursor })]);
    expect(took).toBeLessThan(5_000);
    // The writer does not get its own event; nothing new for the reader after its cursor.
    expect((await as(c, 'GET', `/api/v1/sync/events?after=${start.body.cursor}&wait=0`)).body.events).toEqual([]);
    const idleStart = Date.now();
    const idle = await as(d, 'GET', `/api/v1/sync/events?after=${woke.body.cursor}&wait=1`);
    expect(idle.body).toEqual({ events: [], cursor: woke.body.cursor });
    expect(Date.now() - idleStart).toBeGreaterThanOrEqual(1_000);
  });

  it(`events: the longest wait (${MAX_WAIT_SECONDS} s) ends with 200 and no events: neither the gateway nor the Lambda timeout cuts it`, async () => {
    const started = Date.now();
    const start = await as(a, 'GET', '/api/v1/sync/events');
    const r = await as(a, 'GET', `/api/v1/sync/events?after=${start.body.cursor}`);
    expect(r.status).toBe(200);
    expect(r.body.events).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(MAX_WAIT_SECONDS * 1000);
  }, 40_000);

  it('events: 400 for a cursor the feed did not issue or a wait over 20 s; 410 cursor-expired past a day', async () => {
    const bad = await as(a, 'GET', '/api/v1/sync/events?after=not-a-cursor&wait=0');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ in: 'query', field: 'after', code: 'invalid-cursor' })]);
    expect(fieldsOf(await as(a, 'GET', `/api/v1/sync/events?wait=${MAX_WAIT_SECONDS + 1}`))).toEqual(['query:wait']);
    const old = Buffer.from(eventSkAfter(Date.now() - EVENT_TTL_SECONDS * 1000 - 60_000)).toString('base64url');
    expectProblem(await as(a, 'GET', `/api/v1/sync/events?after=${old}&wait=0`), 410, 'cursor-expired');
  });

  it("the sync function's Lambda timeout covers the longest wait and stays within the HTTP API's 29 s integration timeout", () => {
    expect(functions.sync.timeoutSeconds).toBeGreaterThanOrEqual(MAX_WAIT_SECONDS + 5);
    expect(functions.sync.timeoutSeconds).toBeLessThan(29);
  });
});
