/**
 * Device authorization (RFC 8628) over HTTP through the local gateway: init, every token-endpoint
 * error (§3.5 authorization_pending / slow_down / access_denied / expired_token, RFC 6749 §5.2
 * invalid_grant for unknown and reused codes), approval and denial by the signed-in user, the
 * single token under a burst of polls, wrong user codes, and another user (404).
 */
import * as c from '../../functions/contracts/sync';
import { USER_CODE_USES_PER_HOUR } from '../../functions/devices/device-authorization';
import { DeviceAuthorizationEntity, deviceAuthorizationSk, DeviceEntity, deviceSk, PENDING_DEVICES } from '../../functions/devices/entities';
import { parseAppToken } from '../../functions/identity/tokens';
import { userTenant } from '../../functions/tenancy/tenant';
import { deviceAuthorizationPath as authorizePath, linkedDevice, pollDeviceToken as pollToken, startDeviceAuthorization as init } from '../support/device-authorization';
import { call, signUpWithToken } from '../support/http';
import { dataLayer } from './jobs-harness';


function expectTokenError(r: { status: number; body: any }, error: c.DeviceTokenError) {
  expect(r.status).toBe(400);
  // RFC 6749 §5.2 members and our problem+json members, in one document.
  expect(r.body.error).toBe(error);
  expect(typeof r.body.error_description).toBe('string');
  expect(r.body.type).toMatch(new RegExp(`${c.DEVICE_TOKEN_ERRORS[error]}$`));
}

async function patchAuthorization(userCode: string, patch: Record<string, unknown>) {
  const repo = dataLayer().repo;
  const sk = deviceAuthorizationSk(userCode.replace('-', ''));
  const { sk: _sk, version, ttl, ...attrs } = (await repo.get(PENDING_DEVICES, DeviceAuthorizationEntity, sk))! as Record<string, any>;
  await repo.put(PENDING_DEVICES, DeviceAuthorizationEntity, sk, { ...(attrs as any), ...patch }, { expectedVersion: version, ttl });
}

describe('device authorization (RFC 8628)', () => {
  let owner: Awaited<ReturnType<typeof signUpWithToken>>;
  let other: Awaited<ReturnType<typeof signUpWithToken>>;
  beforeAll(async () => {
    [owner, other] = await Promise.all([signUpWithToken(), signUpWithToken()]);
  });

  it('init answers RFC 8628 §3.2: device code, an 8-letter user code of the §6.1 alphabet, both verification URIs, interval, 300 s', async () => {
    const s = await init();
    expect(s.device_code).toMatch(/^fv_dc_/);
    expect(s.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(new URL(s.verification_uri).pathname).toBe('/sync/authorize');
    expect(s.verification_uri_complete).toBe(`${s.verification_uri}?user_code=${s.user_code}`);
    expect(s.interval).toBe(5);
    expect(s.expires_in).toBe(300);
    // The stored item holds the hash, never the device code's secret; the device name is encrypted.
    const raw = await dataLayer().table.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).GetCommand({ TableName: dataLayer().table.name, Key: { pk: 'T#user#pending-devices', sk: deviceAuthorizationSk(s.user_code.replace('-', '')) } }),
    );
    const text = JSON.stringify(raw.Item);
    expect(text).not.toContain(parseAppToken(s.device_code, 'deviceCode')!.secret);
    expect(text).not.toContain('Work laptop');
  });

  it('refuses a bad init body with 400 and field detail', async () => {
    const r = await call('POST', '/api/v1/sync/init', { body: { deviceName: '', platform: 'amiga' } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/deviceName/);
    expect(JSON.stringify(r.body)).toMatch(/platform/);
  });

  it('authorization_pending, then slow_down growing the interval by 5 s per early poll (§3.5)', async () => {
    const s = await init();
    const first = await pollToken(s.device_code);
    expectTokenError(first, 'authorization_pending');
    expect(first.body.interval).toBe(5);
    const second = await pollToken(s.device_code);
    expectTokenError(second, 'slow_down');
    expect(second.body.interval).toBe(10);
    const third = await pollToken(s.device_code);
    expectTokenError(third, 'slow_down');
    expect(third.body.interval).toBe(15);
    // Waiting out the (grown) interval: pending again, the interval kept.
    await patchAuthorization(s.user_code, { lastPolledAt: Date.now() - 16_000 });
    const later = await pollToken(s.device_code);
    expectTokenError(later, 'authorization_pending');
    expect(later.body.interval).toBe(15);
  });

  it('the signed-in user sees the device, approves it, and the device gets its token exactly once (then invalid_grant)', async () => {
    const s = await init('Studio desktop', 'linux');
    const seen = await call('GET', authorizePath(s.user_code.toLowerCase()), { token: owner.token });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ userCode: s.user_code, deviceName: 'Studio desktop', platform: 'linux' });
    expect(Date.parse(seen.body.expiresAt)).toBeGreaterThan(Date.now());
    expect((await call('POST', authorizePath(s.user_code, '/approve'), { token: owner.token })).status).toBe(204);
    // Decided: no longer shown, nor decidable again.
    expect((await call('GET', authorizePath(s.user_code), { token: owner.token })).status).toBe(404);
    expect((await call('POST', authorizePath(s.user_code, '/deny'), { token: owner.token })).status).toBe(404);

    const issued = await pollToken(s.device_code);
    expect(issued.status).toBe(200);
    expect(issued.body.access_token).toMatch(/^fv_dev_/);
    expect(issued.body.token_type).toBe('Bearer');
    expect(issued.body.expires_in).toBe(90 * 24 * 3600);
    const [userId, deviceId] = parseAppToken(issued.body.access_token, 'device')!.ids;
    expect(userId).toBe(owner.userId);
    expect(deviceId).toBe(issued.body.device_id);
    const device = await dataLayer().repo.get(userTenant(owner.userId), DeviceEntity, deviceSk(deviceId!));
    expect(device).toMatchObject({ name: 'Studio desktop', platform: 'linux' });
    expect(JSON.stringify(device)).not.toContain(parseAppToken(issued.body.access_token, 'device')!.secret);

    expectTokenError(await pollToken(s.device_code), 'invalid_grant');

    const audit = await call('GET', '/api/v1/audit-events', { token: owner.token });
    const types = (audit.body.events as { type: string; ip?: string; userAgent?: string }[]).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['sync.device.connected', 'sync.device.token-claimed']));
    const claimed = audit.body.events.find((e: any) => e.type === 'sync.device.token-claimed');
    expect(claimed.metadata.deviceId).toBe(deviceId);
    expect(claimed.ip).toBeTruthy();
  });

  it('a burst of concurrent polls after approval yields exactly one token', async () => {
    const s = await init('Burst box');
    expect((await call('POST', authorizePath(s.user_code, '/approve'), { token: owner.token })).status).toBe(204);
    const results = await Promise.all(Array.from({ length: 12 }, () => pollToken(s.device_code)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expectTokenError(r, 'invalid_grant');
  });

  it('a denied device gets access_denied', async () => {
    const s = await init();
    expect((await call('POST', authorizePath(s.user_code, '/deny'), { token: owner.token })).status).toBe(204);
    expectTokenError(await pollToken(s.device_code), 'access_denied');
    const audit = await call('GET', '/api/v1/audit-events', { token: owner.token });
    expect(audit.body.events.map((e: any) => e.type)).toContain('sync.device.denied');
  });

  it('an expired device code gets expired_token, and cannot be approved (404)', async () => {
    const s = await init();
    await patchAuthorization(s.user_code, { expiresAt: Date.now() - 1000 });
    expectTokenError(await pollToken(s.device_code), 'expired_token');
    expect((await call('GET', authorizePath(s.user_code), { token: owner.token })).status).toBe(404);
    expect((await call('POST', authorizePath(s.user_code, '/approve'), { token: owner.token })).status).toBe(404);
  });

  it('unknown, malformed and forged device codes get invalid_grant', async () => {
    const s = await init();
    const forged = s.device_code.slice(0, -4) + (s.device_code.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const code of [`fv_dc_BCDFGHJK.${'A'.repeat(43)}`, 'nonsense', forged]) expectTokenError(await pollToken(code), 'invalid_grant');
    const missing = await call('POST', '/api/v1/sync/token', { body: {} });
    expect(missing.status).toBe(400);
  });

  it('a wrong or malformed user code: 404 / 400 with field detail; anonymous: 401', async () => {
    expect((await call('GET', authorizePath('ZZZZ-ZZZZ'), { token: owner.token })).status).toBe(404);
    const bad = await call('GET', authorizePath('AEIO-UAEI'), { token: owner.token });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/userCode/);
    const s = await init();
    expect((await call('GET', authorizePath(s.user_code))).status).toBe(401);
    expect((await call('POST', authorizePath(s.user_code, '/approve'))).status).toBe(401);
  });

  it('another user cannot see or decide an authorization once it was approved (404), nor receive its token', async () => {
    const s = await init('Private phone', 'ios');
    expect((await call('POST', authorizePath(s.user_code, '/approve'), { token: owner.token })).status).toBe(204);
    expect((await call('GET', authorizePath(s.user_code), { token: other.token })).status).toBe(404);
    expect((await call('POST', authorizePath(s.user_code, '/approve'), { token: other.token })).status).toBe(404);
    expect((await call('POST', authorizePath(s.user_code, '/deny'), { token: other.token })).status).toBe(404);
    const issued = await pollToken(s.device_code);
    expect(parseAppToken(issued.body.access_token, 'device')!.ids[0]).toBe(owner.userId);
  });
});

describe('user code guessing (RFC 8628 §5.1)', () => {
  it('a burst of lookups past the hourly allowance gets 429 + Retry-After, and then a live code tells nothing either', async () => {
    const guesser = await signUpWithToken();
    const results = await Promise.all(
      Array.from({ length: USER_CODE_USES_PER_HOUR + 6 }, (_, i) => call('GET', authorizePath(`ZZZZ-${'BCDFGHJKLMNPQRSTVWXZ'[i % 20]!.repeat(4)}`), { token: guesser.token })),
    );
    expect(results.filter((r) => r.status === 404)).toHaveLength(USER_CODE_USES_PER_HOUR);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(6);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    const live = await init('Target');
    expect((await call('GET', authorizePath(live.user_code), { token: guesser.token })).status).toBe(429);
    expect((await call('POST', authorizePath(live.user_code, '/approve'), { token: guesser.token })).status).toBe(429);
    expectTokenError(await pollToken(live.device_code), 'authorization_pending');
  });
});

describe('device sessions', () => {
  let owner: Awaited<ReturnType<typeof signUpWithToken>>;
  let other: Awaited<ReturnType<typeof signUpWithToken>>;
  beforeAll(async () => {
    [owner, other] = await Promise.all([signUpWithToken(), signUpWithToken()]);
  });
  const devicesOf = async (token: string) => (await call('GET', '/api/v1/devices', { token })).body.devices as { id: string; name: string; current: boolean; expired: boolean }[];

  it('rotate gives a new token and refuses the old one at once; audited', async () => {
    const d = await linkedDevice(owner.token, 'Rotating laptop');
    const rotated = await call('POST', '/api/v1/sync/rotate', { token: d.deviceToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.access_token).toMatch(/^fv_dev_/);
    expect(rotated.body.access_token).not.toBe(d.deviceToken);
    expect(rotated.body.device_id).toBe(d.deviceId);
    expect((await call('GET', '/api/v1/sync/devices', { token: d.deviceToken })).status).toBe(401);
    expect((await call('POST', '/api/v1/sync/rotate', { token: d.deviceToken })).status).toBe(401);
    const listed = await call('GET', '/api/v1/sync/devices', { token: rotated.body.access_token });
    expect(listed.status).toBe(200);
    expect(listed.body.devices.find((x: { id: string }) => x.id === d.deviceId)).toMatchObject({ name: 'Rotating laptop', current: true });
    const audit = await call('GET', '/api/v1/audit-events', { token: owner.token });
    expect(audit.body.events.find((e: any) => e.type === 'sync.device.token-rotated')?.metadata.deviceId).toBe(d.deviceId);
  });

  it('concurrent rotations of one token: exactly one new token, and only it works afterwards', async () => {
    const d = await linkedDevice(owner.token, 'Racing laptop');
    const results = await Promise.all(Array.from({ length: 6 }, () => call('POST', '/api/v1/sync/rotate', { token: d.deviceToken })));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect([401, 409]).toContain(r.status);
    expect((await call('GET', '/api/v1/sync/devices', { token: d.deviceToken })).status).toBe(401);
    expect((await call('GET', '/api/v1/sync/devices', { token: won[0]!.body.access_token })).status).toBe(200);
  });

  it('a device revokes itself: refused at once, gone from the list; audited', async () => {
    const d = await linkedDevice(owner.token, 'Leaving tablet', 'android');
    expect((await call('POST', '/api/v1/sync/revoke', { token: d.deviceToken })).status).toBe(204);
    expect((await call('GET', '/api/v1/sync/devices', { token: d.deviceToken })).status).toBe(401);
    expect((await devicesOf(owner.token)).map((x) => x.id)).not.toContain(d.deviceId);
    const audit = await call('GET', '/api/v1/audit-events', { token: owner.token });
    expect(audit.body.events.map((e: any) => e.type)).toContain('sync.device.token-revoked');
  });

  it('an expired device token gets 410 session-expired; the device stays listed (expired) and a new link works', async () => {
    const d = await linkedDevice(owner.token, 'Old desktop');
    const repo = dataLayer().repo;
    const tenant = userTenant(owner.userId);
    const item = (await repo.get(tenant, DeviceEntity, deviceSk(d.deviceId)))!;
    await repo.update(tenant, DeviceEntity, deviceSk(d.deviceId), { expiresAt: Date.now() - 1000 }, { expectedVersion: item.version });
    const r = await call('GET', '/api/v1/sync/devices', { token: d.deviceToken });
    expect(r.status).toBe(410);
    expect(r.body.type).toMatch(/session-expired$/);
    expect((await devicesOf(owner.token)).find((x) => x.id === d.deviceId)).toMatchObject({ name: 'Old desktop', expired: true });
    const again = await linkedDevice(owner.token, 'Old desktop');
    expect((await call('GET', '/api/v1/sync/devices', { token: again.deviceToken })).status).toBe(200);
  });

  it('the dashboard lists the devices and revokes one: refused on its next request; another user gets 404 and sees none', async () => {
    const d = await linkedDevice(owner.token, 'Office mac', 'macos');
    const listed = (await devicesOf(owner.token)).find((x) => x.id === d.deviceId)!;
    expect(listed).toMatchObject({ name: 'Office mac', current: false, expired: false });
    expect(listed).toEqual(expect.objectContaining({ approvedAt: expect.any(String), lastSeenAt: expect.any(String), platform: 'macos' }));
    expect((await devicesOf(other.token)).map((x) => x.id)).not.toContain(d.deviceId);
    expect((await call('DELETE', `/api/v1/devices/${d.deviceId}`, { token: other.token })).status).toBe(404);
    expect((await call('GET', '/api/v1/sync/devices', { token: d.deviceToken })).status).toBe(200);
    expect((await call('DELETE', `/api/v1/devices/${d.deviceId}`, { token: owner.token })).status).toBe(204);
    expect((await call('GET', '/api/v1/sync/devices', { token: d.deviceToken })).status).toBe(401);
    expect((await call('DELETE', `/api/v1/devices/${d.deviceId}`, { token: owner.token })).status).toBe(404);
    const audit = await call('GET', '/api/v1/audit-events', { token: owner.token });
    const revoked = audit.body.events.find((e: any) => e.type === 'sync.device.revoked');
    expect(revoked.metadata.deviceId).toBe(d.deviceId);
    expect(revoked.userAgent).toBeDefined();
  });
});
