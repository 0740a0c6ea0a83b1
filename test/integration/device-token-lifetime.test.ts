/**
 * The device-token lifetime is a stage setting (flarevault:deviceTokenLifetimeDays → env
 * DEVICE_TOKEN_LIFETIME_DAYS → api/sync.ts; the stack side: test/infra/stack.test.ts). Here the
 * domain honours whatever lifetime it is given, at the claim and at each rotation (a CLI login's
 * API key expires after it too), and the running stack uses the env's value.
 */
import { randomUUID } from 'node:crypto';
import { decide, poll, start, type DeviceAuthDeps } from '../../functions/devices/device-authorization';
import { apiKeyStanding, createApiKey, listApiKeys } from '../../functions/identity/api-keys';
import { listWorkspaces } from '../../functions/workspaces/workspaces';
import { rotate } from '../../functions/devices/devices';
import { DeviceEntity, deviceSk } from '../../functions/devices/entities';
import { parseAppToken } from '../../functions/identity/tokens';
import { userTenant } from '../../functions/tenancy/tenant';
import { linkedDevice } from '../support/device-authorization';
import { call, signUpWithToken } from '../support/http';
import { identityDeps } from './data-fixtures';
import { dataLayer } from './jobs-harness';

const DAY_MS = 86_400_000;
const ctx = { requestId: 'req-lifetime', ip: '203.0.113.4', userAgent: 'lifetime-test/1.0' };

/** Device-authorization ports on the shared table, with the clock and lifetime given. */
function deviceDeps(now: () => number, deviceTokenLifetimeMs: number): DeviceAuthDeps {
  const dl = dataLayer();
  const identity = identityDeps({ now });
  return {
    repo: dl.repo,
    audit: dl.audit,
    now,
    publicUrl: 'https://app.example.com',
    deviceTokenLifetimeMs,
    countUserCodeUse: async () => undefined,
    cliLogin: {
      createApiKey: (actor, input, c) => createApiKey(identity, actor, input, c),
      apiKeyStanding: (userId) => apiKeyStanding(identity, userId),
      workspacesOf: (userId, activeId) => listWorkspaces({ repo: dl.repo, keyring: dl.keyring, audit: dl.audit, now }, userId, activeId),
    },
  };
}

describe('device-token lifetime', () => {
  it('the domain gives a claimed and a rotated token the lifetime of its deps', async () => {
    const dl = dataLayer();
    let clock = Date.now();
    const deps = deviceDeps(() => clock, 3 * DAY_MS);
    const userId = `u-${randomUUID()}`;
    const s = await start(deps, { deviceName: 'Lifetime box', platform: 'linux' });
    await decide(deps, { userId, tier: 'free', activeWorkspaceId: userId }, s.user_code.replace('-', ''), 'approve', ctx);
    const claimed = await poll(deps, s.device_code, ctx);
    expect(claimed.expires_in).toBe(3 * 86_400);
    if (!('device_id' in claimed)) throw new Error('a sync device got no device token');
    const deviceId = claimed.device_id;
    const stored = async () => (await dl.repo.get(userTenant(userId), DeviceEntity, deviceSk(deviceId)))!;
    expect((await stored()).expiresAt).toBe(clock + 3 * DAY_MS);
    clock += DAY_MS;
    const rotated = await rotate({ ...deps, deviceTokenLifetimeMs: 7 * DAY_MS }, { userId, deviceId, tier: 'free', tokenHash: (await stored()).secretHash }, ctx);
    expect(rotated.expires_in).toBe(7 * 86_400);
    expect(parseAppToken(rotated.access_token, 'device')!.ids).toEqual([userId, deviceId]);
    expect((await stored()).expiresAt).toBe(clock + 7 * DAY_MS);
  });

  it("a CLI login's API key expires after the device-token lifetime of its deps", async () => {
    const clock = Date.now();
    const deps = deviceDeps(() => clock, 5 * DAY_MS);
    const owner = await signUpWithToken();
    const s = await start(deps, { deviceName: 'Lifetime CLI', platform: 'cli', scopes: ['jobs:read'] });
    await decide(deps, { userId: owner.userId, tier: 'free', activeWorkspaceId: owner.userId }, s.user_code.replace('-', ''), 'approve', ctx);
    const claimed = await poll(deps, s.device_code, ctx);
    if (!('api_key_id' in claimed)) throw new Error('a CLI login got no API key');
    expect(claimed.expires_in).toBe(5 * 86_400);
    const { apiKeys } = await listApiKeys(identityDeps(), owner.userId);
    expect(apiKeys.find((k) => k.id === claimed.api_key_id)).toMatchObject({ name: 'CLI: Lifetime CLI', expiresAt: new Date(clock + 5 * DAY_MS).toISOString() });
  });

  it('the running stack claims and rotates with DEVICE_TOKEN_LIFETIME_DAYS from its env', async () => {
    const days = Number(process.env.DEVICE_TOKEN_LIFETIME_DAYS);
    expect(days).toBe(90);
    const owner = await signUpWithToken();
    const d = await linkedDevice(owner.token, 'Env box');
    const r = await call('POST', '/api/v1/sync/rotate', { token: d.deviceToken });
    expect(r.status).toBe(200);
    expect(r.body.expires_in).toBe(days * 86_400);
  });
});
