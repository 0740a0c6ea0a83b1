/**
 * A linked device as the commands use it: its profile (state.json, the master key, the working
 * copy) and an API client carrying its token.
 */
import { ApiError } from '../../frontend/core/problem';
import { SyncApi } from './api';
import { Profile, type DeviceState } from './state';

export interface DeviceOptions {
  /** Where the plaintext working copy lives (default: `<profile>/data`). */
  readonly dataDir?: string;
  readonly fetchImpl?: typeof fetch;
}

export class LinkedDevice {
  readonly api: SyncApi;

  constructor(
    readonly profile: Profile,
    readonly state: DeviceState,
    fetchImpl?: typeof fetch,
  ) {
    this.api = new SyncApi(state.baseUrl, state.token, fetchImpl);
  }

  static open(profileDir: string, opts: DeviceOptions = {}): LinkedDevice {
    const profile = new Profile(profileDir, opts.dataDir);
    return new LinkedDevice(profile, profile.linked(), opts.fetchImpl);
  }

  save(): void {
    this.profile.save(this.state);
  }

  /** The master key, or an error saying how to get it. */
  masterKey(): Buffer {
    const key = this.profile.masterKey();
    if (!key) throw new Error('This device has no master key yet: run `sync-client unlock` (or `link`) with the passphrase');
    return key;
  }
}

/** The problem slug of an API failure with this status, else undefined. */
export const problemSlug = (err: unknown, status: number): string | undefined => (err instanceof ApiError && err.status === status ? err.slug : undefined);
