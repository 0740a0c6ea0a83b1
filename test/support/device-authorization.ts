/** Device authorization (RFC 8628) over HTTP, for tests: start one, and one already approved by a user. */
import { call } from './http';

export interface StartedDeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  interval: number;
  expires_in: number;
}

export async function startDeviceAuthorization(deviceName = 'Work laptop', platform = 'macos'): Promise<StartedDeviceAuthorization> {
  const r = await call('POST', '/api/v1/sync/init', { body: { deviceName, platform } });
  if (r.status !== 200) throw new Error(`sync init: ${r.status} ${r.text}`);
  return r.body;
}

export const deviceAuthorizationPath = (userCode: string, action = '') => `/api/v1/sync/authorize/${userCode}${action}`;

/** A user code the token's user approved (no one else may see or decide it any more). */
export async function approvedUserCode(token: string): Promise<string> {
  const started = await startDeviceAuthorization('Fixture device');
  const r = await call('POST', deviceAuthorizationPath(started.user_code, '/approve'), { token });
  if (r.status !== 204) throw new Error(`approve: ${r.status} ${r.text}`);
  return started.user_code;
}
