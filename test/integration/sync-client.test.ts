/**
 * The reference client's recovery paths against the local stack (devices in-process, the
 * browser-free companion of test/e2e/sync-two-devices.test.ts):
 *  - a history append whose answer is lost is retried from the outbox with the same blobs: the
 *    server takes it as an idempotent retry, nothing doubles;
 *  - a device whose state forgot what it pushed skips what the server holds (history-gap);
 *  - pull of a head for an item edited here merges, and the next push writes the merge at
 *    that head's version;
 *  - rotate-key after another device rotated first: 409, re-read, re-wrap at the new version;
 *  - a type turned off is skipped by push and pull, and a direct write meets 409 sync-type-disabled;
 *  - a blob sealed for another item does not open (AAD), and a wrong passphrase unwraps nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { push, pull } from '../../clients/sync/commands';
import { RecordIntegrityError, sealRecord, unwrapMasterKey, WrongPassphraseError } from '../../clients/sync/crypto';
import type { LinkedDevice } from '../../clients/sync/device';
import { pullHistory, pushHistory } from '../../clients/sync/history';
import { rotateKey, unlock } from '../../clients/sync/link';
import { pullSnapshots, pushSnapshots } from '../../clients/sync/snapshots';
import { call, signUpWithToken } from '../support/http';
import { inProcessDevice } from '../support/sync-client';

const FAST = { alg: 'argon2id', m: 1024, t: 1, p: 1 } as const;
const PASSPHRASE = 'integration passphrase';

/** Fetch that delivers the request, then loses the answer `times` times for requests matching `lose`. */
function lossyFetch(lose: (url: string, init?: RequestInit) => boolean, times: number): typeof fetch {
  let left = times;
  return (async (url: string | URL | Request, init?: RequestInit) => {
    const res = await fetch(url, init);
    if (left > 0 && lose(String(url), init)) {
      left--;
      throw new TypeError('fetch failed (answer lost)');
    }
    return res;
  }) as typeof fetch;
}

describe('the reference client against the local stack', () => {
  const root = mkdtempSync(join(tmpdir(), 'sync-client-it-'));
  let user: Awaited<ReturnType<typeof signUpWithToken>>;
  const device = (name: string, fetchImpl?: typeof fetch) => inProcessDevice(root, name, user.token, PASSPHRASE, { kdf: FAST, fetchImpl });
  const writeHistory = (d: LinkedDevice, n: number) => {
    mkdirSync(join(d.profile.dataDir, 'history'), { recursive: true });
    writeFileSync(join(d.profile.dataDir, 'history', 'local.jsonl'), Array.from({ length: n }, (_, i) => `${JSON.stringify({ cmd: `echo ${i}` })}\n`).join(''));
  };

  beforeAll(async () => {
    user = await signUpWithToken();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('retries a history append whose answer was lost with the same blobs; the server skips them', async () => {
    const a = await device('lossy', lossyFetch((url, init) => init?.method === 'POST' && url.endsWith('/api/v1/sync/history'), 1));
    writeHistory(a, 5);
    await expect(pushHistory(a)).rejects.toThrow(/answer lost/);
    const outbox = a.profile.outbox();
    expect(outbox.map((r) => r.idx)).toEqual([0, 1, 2, 3, 4]);
    expect(a.state.ownPushed).toBe(0);
    const retried = await pushHistory(a);
    expect(retried).toEqual({ appended: 0, maxIdx: 4 }); // all five were already stored
    expect(a.profile.outbox()).toEqual([]);
    expect(a.state.ownPushed).toBe(5);
    const reader = await device('reader-1');
    await pullHistory(reader);
    expect(reader.profile.historyLog(a.state.deviceId)).toEqual(Array.from({ length: 5 }, (_, i) => ({ cmd: `echo ${i}` })));
  });

  it('a device whose state forgot its pushes skips what the server holds (the 409 history-conflict of re-sealed records)', async () => {
    const a = await device('forgetful');
    writeHistory(a, 3);
    await pushHistory(a);
    a.state.ownPushed = 0; // state lost: the server holds 0–2 already
    writeHistory(a, 4);
    const r = await pushHistory(a);
    expect(r).toEqual({ appended: 1, maxIdx: 3 });
    expect(a.state.ownPushed).toBe(4);
  });

  it('pull merges a local edit with a newer head; the next push writes the merge at that version', async () => {
    const a = await device('merge-a');
    const b = await device('merge-b');
    a.profile.writeLocalSnapshot('setting', 'prefs', { theme: 'light', font: 12 });
    await pushSnapshots(a, 'setting');
    await pullSnapshots(b, 'setting');
    a.profile.writeLocalSnapshot('setting', 'prefs', { theme: 'dark', font: 12 });
    await pushSnapshots(a, 'setting');
    b.profile.writeLocalSnapshot('setting', 'prefs', { theme: 'light', font: 14, keymap: 'vim' });
    const pulled = await pullSnapshots(b, 'setting');
    expect(pulled.mergedLocally).toEqual([{ id: 'prefs', conflicts: [] }]);
    const merged = { theme: 'dark', font: 14, keymap: 'vim' };
    expect(b.profile.readLocalSnapshot('setting', 'prefs')).toEqual(merged);
    const pushed = await pushSnapshots(b, 'setting');
    expect(pushed.pushed).toEqual([{ id: 'prefs', version: 3 }]);
    expect(pushed.merged).toEqual([]); // written at the pulled head: no 409
    await pullSnapshots(a, 'setting');
    expect(a.profile.readLocalSnapshot('setting', 'prefs')).toEqual(merged);
  });

  it('a type turned off is skipped by push and pull; a direct write meets 409 sync-type-disabled', async () => {
    const a = await device('toggles');
    const off = await call('PUT', '/api/v1/sync/config', { token: a.state.token, body: { types: { collection: false } } });
    expect(off.status).toBe(200);
    a.profile.writeLocalSnapshot('collection', 'c1', { name: 'x' });
    expect((await push(a)).skipped).toEqual(['collection']);
    expect((await pull(a)).skipped).toEqual(['collection']);
    expect(await pushSnapshots(a, 'collection')).toEqual({ pushed: [], merged: [], unchanged: 0, disabled: true });
    await call('PUT', '/api/v1/sync/config', { token: a.state.token, body: { types: { collection: true } } });
    expect((await pushSnapshots(a, 'collection')).pushed).toEqual([{ id: 'c1', version: 1 }]);
  });

  it('rotate-key meets 409 when another device rotated first, re-reads and re-wraps at the new version', async () => {
    let other: Promise<unknown> | undefined;
    let a!: LinkedDevice;
    // B's first PUT /sync/key waits until A's rotation is stored: B's expectedVersion is then stale.
    const racing = (async (url: string | URL | Request, init?: RequestInit) => {
      if (init?.method === 'PUT' && String(url).endsWith('/api/v1/sync/key') && !other) await (other = rotateKey(a, 'passphrase of A', FAST));
      return fetch(url, init);
    }) as typeof fetch;
    const owner = await signUpWithToken();
    a = await inProcessDevice(root, 'rotate-a', owner.token, PASSPHRASE, { kdf: FAST });
    const b = await inProcessDevice(root, 'rotate-b', owner.token, PASSPHRASE, { kdf: FAST, fetchImpl: racing });
    expect(await rotateKey(b, 'passphrase of B', FAST)).toEqual({ keyVersion: 3, attempts: 2 });
    expect(await other).toEqual({ keyVersion: 2, attempts: 1 });
    const stored = await b.api.getKey();
    expect((await unwrapMasterKey(stored.blob, 'passphrase of B')).equals(a.masterKey())).toBe(true);
    await expect(unwrapMasterKey(stored.blob, 'passphrase of A')).rejects.toThrow(WrongPassphraseError);
  });

  it('a blob sealed for another item does not open; a wrong passphrase unwraps nothing', async () => {
    const a = await device('aad-a');
    const b = await device('aad-b');
    const moved = sealRecord(a.masterKey(), 'secret', 'original', { token: 't' });
    const put = await call('PUT', '/api/v1/sync/data/secret/elsewhere', { token: a.state.token, body: { blob: moved } });
    expect(put.status).toBe(200);
    await expect(pullSnapshots(b, 'secret')).rejects.toThrow(RecordIntegrityError);
    b.profile.forgetMasterKey();
    await expect(unlock(b, 'not the passphrase')).rejects.toThrow(WrongPassphraseError);
    expect(b.profile.masterKey()).toBeUndefined();
  });
});
