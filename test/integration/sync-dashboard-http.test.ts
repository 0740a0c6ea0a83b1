/**
 * The dashboard's sync routes over HTTP (issue 16 item 9): the overview (a card per type from
 * the usage items, the settings, the key version, the last writer's current name, storage used
 * of the tier's total) and the settings toggles (session + CSRF like every cookie PUT, written
 * as the `dashboard`: config_changed for the devices, audited). Device tokens are refused on
 * both. Revoking a device (the dashboard's DELETE or the device's own revoke) writes
 * `device_revoked` in the removal's transaction.
 */
import { limitsFor } from '../../functions/platform/tiers';
import type { SyncDeps } from '../../functions/sync/deps';
import { SyncEventEntity } from '../../functions/sync/events';
import { appendHistory } from '../../functions/sync/history';
import { putWrappedKey } from '../../functions/sync/keys';
import { putSnapshot } from '../../functions/sync/snapshots';
import { userTenant } from '../../functions/tenancy/tenant';
import { linkedDevice } from '../support/device-authorization';
import { call, cookieFrom, freshLoopbackAddress, signUpWithToken } from '../support/http';
import { dataLayer } from './jobs-harness';

const dl = dataLayer();
const deps: SyncDeps = { repo: dl.repo, blind: dl.blind, audit: dl.audit, now: Date.now, limits: limitsFor('free') };
const ctx = { requestId: 'req-dashboard-test', ip: '203.0.113.5', userAgent: 'dashboard-test/1.0' };

async function eventsOf(userId: string) {
  const page = await dl.repo.query(userTenant(userId), SyncEventEntity, { skPrefix: 'SYNCEV#', limit: 1000, consistent: true });
  return page.items.map((e) => ({ event: e.event, deviceId: e.deviceId }));
}

/** The same user signed in from a browser: the session cookie and its CSRF token. */
async function browserSession(email: string, password: string) {
  const r = await call('POST', '/api/v1/auth/login', { body: { email, password }, from: freshLoopbackAddress() });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.text}`);
  return { cookie: cookieFrom(r.headers, '__Host-fv_session')!, csrf: r.body.csrfToken as string };
}

describe('sync dashboard routes', () => {
  it('the overview shows a card per type from the usage, the key version and the last writer by its current name', async () => {
    const user = await signUpWithToken();
    const empty = await call('GET', '/api/v1/sync/overview', { token: user.token });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({
      types: ['history', 'environment', 'secret', 'collection', 'setting'].map((type) => ({ type, enabled: true, items: 0, bytes: 0, lastUpdatedAt: null, lastUpdatedBy: null })),
      usedBytes: 0,
      limitBytes: limitsFor('free').syncTotalBytes,
      keyVersion: 0,
      configVersion: 0,
    });

    const studio = await linkedDevice(user.token, 'Studio desktop');
    const laptop = await linkedDevice(user.token, 'Travel laptop');
    const as = (d: { deviceId: string }) => ({ tenant: userTenant(user.userId), deviceId: d.deviceId });
    await putWrappedKey(deps, as(studio), { blob: Buffer.alloc(64, 1).toString('base64') }, ctx);
    await putSnapshot(deps, as(studio), 'environment', 'prod', { blob: Buffer.alloc(300, 2).toString('base64') });
    await putSnapshot(deps, as(laptop), 'environment', 'dev', { blob: Buffer.alloc(100, 3).toString('base64') });
    await appendHistory(deps, as(laptop), [0, 1].map((idx) => ({ idx, blob: Buffer.alloc(10, idx).toString('base64') })));

    const o = await call('GET', '/api/v1/sync/overview', { token: user.token });
    expect(o.status).toBe(200);
    const card = (type: string) => o.body.types.find((t: { type: string }) => t.type === type);
    expect(card('environment')).toMatchObject({ enabled: true, items: 2, bytes: 400, lastUpdatedBy: { deviceId: laptop.deviceId, name: 'Travel laptop' } });
    expect(Date.parse(card('environment').lastUpdatedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(card('history')).toMatchObject({ items: 2, bytes: 20, lastUpdatedBy: { deviceId: laptop.deviceId, name: 'Travel laptop' } });
    expect(card('secret')).toMatchObject({ items: 0, bytes: 0, lastUpdatedBy: null });
    expect(o.body).toMatchObject({ usedBytes: 420, keyVersion: 1, configVersion: 0 });

    // The dashboard unlinks the laptop: device_revoked in the removal's transaction; the card keeps its id, no name.
    expect((await call('DELETE', `/api/v1/devices/${laptop.deviceId}`, { token: user.token })).status).toBe(204);
    expect(await eventsOf(user.userId)).toContainEqual({ event: 'device_revoked', deviceId: laptop.deviceId });
    const after = await call('GET', '/api/v1/sync/overview', { token: user.token });
    expect(after.body.types.find((t: { type: string }) => t.type === 'environment').lastUpdatedBy).toEqual({ deviceId: laptop.deviceId, name: null });

    // A device unlinking itself announces it too.
    expect((await call('POST', '/api/v1/sync/revoke', { token: studio.deviceToken })).status).toBe(204);
    expect(await eventsOf(user.userId)).toContainEqual({ event: 'device_revoked', deviceId: studio.deviceId });
  });

  it('settings: a cookie PUT needs the CSRF token; the change reaches the devices as config_changed by the dashboard, and is audited', async () => {
    const user = await signUpWithToken();
    const browser = await browserSession(user.email, user.password);
    const body = { types: { secret: false, history: false } };
    const noCsrf = await call('PUT', '/api/v1/sync/settings', { cookie: browser.cookie, body });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.type).toMatch(/\/csrf$/);
    const put = await call('PUT', '/api/v1/sync/settings', { cookie: browser.cookie, csrf: browser.csrf, body });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ types: { history: false, environment: true, secret: false, collection: true, setting: true }, version: 1 });
    const o = await call('GET', '/api/v1/sync/overview', { cookie: browser.cookie });
    expect(o.body.types.filter((t: { enabled: boolean }) => !t.enabled).map((t: { type: string }) => t.type)).toEqual(['history', 'secret']);
    expect(o.body.configVersion).toBe(1);
    expect(await eventsOf(user.userId)).toEqual([{ event: 'config_changed', deviceId: 'dashboard' }]);
    // a device's write to a type turned off is refused
    const d = await linkedDevice(user.token, 'Desk');
    await expect(putSnapshot(deps, { tenant: userTenant(user.userId), deviceId: d.deviceId }, 'secret', 's', { blob: 'AAAA' })).rejects.toMatchObject({ options: { code: 'sync-type-disabled' } });
    const audit = await call('GET', '/api/v1/audit-events', { token: user.token });
    const event = audit.body.events.find((e: { type: string }) => e.type === 'sync.config.updated');
    expect(event).toMatchObject({ metadata: { deviceId: 'dashboard', version: 1 } });
    // bad toggles: 400 with the field
    const bad = await call('PUT', '/api/v1/sync/settings', { token: user.token, body: { types: { photos: true } } });
    expect(bad.status).toBe(400);
  });

  it('device tokens are refused on both routes; no credential is 401', async () => {
    const user = await signUpWithToken();
    const d = await linkedDevice(user.token, 'Headless box');
    for (const [method, body] of [['GET', undefined], ['PUT', { types: { secret: false } }]] as const) {
      const path = method === 'GET' ? '/api/v1/sync/overview' : '/api/v1/sync/settings';
      expect((await call(method, path, { token: d.deviceToken, body })).status).toBe(401);
      expect((await call(method, path, { body })).status).toBe(401);
    }
    expect((await call('GET', '/api/v1/sync/config', { token: user.token })).status).not.toBe(200);
  });
});
