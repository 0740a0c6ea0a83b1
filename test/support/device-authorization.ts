/**
 * Device authorization (RFC 8628) over HTTP, for tests: start one, one already approved by a user,
 * a linked sync device, and a CLI login (its API key).
 */
import type * as z from 'zod';
import type { ApiKeyTokenIssued } from '../../functions/contracts/sync';
import { call } from './http';

export interface StartedDeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  interval: number;
  expires_in: number;
}

export async function startDeviceAuthorization(deviceName = 'Work laptop', platform = 'macos', scopes?: string[]): Promise<StartedDeviceAuthorization> {
  const r = await call('POST', '/api/v1/sync/init', { body: { deviceName, platform, ...(scopes ? { scopes } : {}) } });
  if (r.status !== 200) throw new Error(`sync init: ${r.status} ${r.text}`);
  return r.body;
}

export const deviceAuthorizationPath = (userCode: string, action = '') => `/api/v1/sync/authorize/${userCode}${action}`;

/** One poll of the token endpoint (RFC 8628 §3.4), the answer as it comes. */
export const pollDeviceToken = (device_code: string) => call('POST', '/api/v1/sync/token', { body: { device_code } });

/** A user code the token's user approved (no one else may see or decide it any more). */
export async function approvedUserCode(token: string): Promise<string> {
  const started = await startDeviceAuthorization('Fixture device');
  const r = await call('POST', deviceAuthorizationPath(started.user_code, '/approve'), { token });
  if (r.status !== 204) throw new Error(`approve: ${r.status} ${r.text}`);
  return started.user_code;
}

/** A device linked to the token's user (approved, then its token claimed): the device token and id. */
export async function linkedDevice(token: string, deviceName = 'Fixture device', platform = 'linux'): Promise<{ deviceToken: string; deviceId: string }> {
  const started = await startDeviceAuthorization(deviceName, platform);
  const approved = await call('POST', deviceAuthorizationPath(started.user_code, '/approve'), { token });
  if (approved.status !== 204) throw new Error(`approve: ${approved.status} ${approved.text}`);
  const issued = await pollDeviceToken(started.device_code);
  if (issued.status !== 200) throw new Error(`device token: ${issued.status} ${issued.text}`);
  return { deviceToken: issued.body.access_token, deviceId: issued.body.device_id };
}

/** What a CLI login's poll gets once. */
export type CliLoginKey = z.output<typeof ApiKeyTokenIssued>;

/** A CLI login approved by the token's user (on `workspaceId`, default their active one), then its API key claimed. */
export async function cliLogin(token: string, scopes: string[], o: { workspaceId?: string; deviceName?: string } = {}): Promise<CliLoginKey> {
  const started = await startDeviceAuthorization(o.deviceName ?? 'flarevault CLI on test-host', 'cli', scopes);
  const body = o.workspaceId ? { workspaceId: o.workspaceId } : undefined;
  const approved = await call('POST', deviceAuthorizationPath(started.user_code, '/approve'), { token, body });
  if (approved.status !== 204) throw new Error(`approve: ${approved.status} ${approved.text}`);
  const issued = await pollDeviceToken(started.device_code);
  if (issued.status !== 200) throw new Error(`CLI login token: ${issued.status} ${issued.text}`);
  return issued.body;
}
