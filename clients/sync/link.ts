/**
 * Linking a device (RFC 8628 device authorization) and its master key.
 *
 *   link      POST /sync/init → show the verification URI and user code → poll POST /sync/token
 *             every `interval` s (slow_down: +5 s for good, RFC 8628 §3.5) until the token or a
 *             final error (access_denied, expired_token, invalid_grant) → state.json (0600)
 *   unlock    GET /sync/key: none yet → make the master key, wrap it, PUT expectedVersion 0 (a
 *             409 means another device was first: unwrap theirs); else unwrap it
 *   rotateKey re-wrap the SAME master key under a new passphrase with the current version
 *             (409 → re-read and try again); records stay readable, nothing is re-encrypted
 */
import { LinkRefusedError, pollUntilApproved } from '../shared/device-flow';
import { SyncApi, type DeviceAuthorizationStarted } from './api';
import { keyIdOf, newMasterKey, readWrappedKey, unwrapMasterKey, wrapMasterKey, type KdfParams } from './crypto';
import { LinkedDevice, problemSlug } from './device';
import { Profile } from './state';

export interface LinkOptions {
  readonly baseUrl: string;
  readonly deviceName: string;
  readonly platform?: string;
  /** Shown to the user (the URI to open and the code to check). */
  readonly onPrompt: (started: DeviceAuthorizationStarted) => void;
  readonly fetchImpl?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

export { LinkRefusedError };

export interface LinkResult {
  deviceId: string;
  /** Polls sent to POST /sync/token. */
  polls: number;
  /** The interval in force at the end (grown by slow_down). */
  interval: number;
}

export async function link(profileDir: string, o: LinkOptions): Promise<LinkResult> {
  const profile = new Profile(profileDir);
  const api = new SyncApi(o.baseUrl, undefined, o.fetchImpl);
  const started = await api.startAuthorization(o.deviceName, o.platform ?? 'cli');
  o.onPrompt(started);
  const { issued, polls, interval } = await pollUntilApproved(started, () => api.pollToken(started.device_code), o.sleep);
  profile.save({
    baseUrl: o.baseUrl,
    deviceId: issued.device_id,
    deviceName: o.deviceName,
    token: issued.access_token,
    linkedAt: new Date().toISOString(),
    snapshots: {},
    cursors: {},
    history: {},
    ownPushed: 0,
  });
  return { deviceId: issued.device_id, polls, interval };
}

export interface UnlockResult {
  /** True when this device made the master key (the first device of the account). */
  created: boolean;
  keyVersion: number;
}

export async function unlock(device: LinkedDevice, passphrase: string, kdf?: Omit<KdfParams, 'salt'>): Promise<UnlockResult> {
  const { api, profile, state } = device;
  let stored;
  try {
    stored = await api.getKey();
  } catch (err) {
    if (problemSlug(err, 404) !== 'key-not-found') throw err;
    const masterKey = newMasterKey();
    try {
      const put = await api.putKey(await wrapMasterKey(masterKey, passphrase, kdf), 0);
      profile.saveMasterKey(masterKey);
      state.keyVersion = put.version;
      device.save();
      return { created: true, keyVersion: put.version };
    } catch (e) {
      if (problemSlug(e, 409) !== 'key-version-conflict') throw e;
      stored = await api.getKey(); // another device stored its key first: use theirs
    }
  }
  profile.saveMasterKey(await unwrapMasterKey(stored.blob, passphrase));
  state.keyVersion = stored.version;
  device.save();
  return { created: false, keyVersion: stored.version };
}

const ROTATE_ATTEMPTS = 5;

export async function rotateKey(device: LinkedDevice, newPassphrase: string, kdf?: Omit<KdfParams, 'salt'>): Promise<{ keyVersion: number; attempts: number }> {
  const masterKey = device.masterKey();
  for (let attempt = 1; attempt <= ROTATE_ATTEMPTS; attempt++) {
    const current = await device.api.getKey();
    if (readWrappedKey(current.blob).keyId !== keyIdOf(masterKey)) {
      throw new Error('The stored wrapped key holds another master key than this device’s: unlock with its passphrase before rotating');
    }
    try {
      const put = await device.api.putKey(await wrapMasterKey(masterKey, newPassphrase, kdf), current.version);
      device.state.keyVersion = put.version;
      device.save();
      return { keyVersion: put.version, attempts: attempt };
    } catch (err) {
      if (problemSlug(err, 409) !== 'key-version-conflict') throw err;
    }
  }
  throw new Error(`The wrapped key kept changing during ${ROTATE_ATTEMPTS} attempts; try again`);
}
