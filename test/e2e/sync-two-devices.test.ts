/**
 * Issue 16's proof: two reference clients (bin/sync-client.ts, run as child processes) are two
 * devices of one user against the local stack.
 *  - both link through device authorization, each approved in Chromium; the first makes the
 *    master key, the second unwraps it with the passphrase;
 *  - every type syncs both ways; a concurrent edit of one snapshot meets a 409 and merges with
 *    nothing lost; history from both devices converges; `watch --pull` brings a change live;
 *  - rotate-key re-wraps the same master key: the other device gets key_rotated, the old
 *    passphrase no longer unwraps, the new one does, and both devices read everything;
 *  - revoking one device refuses it at once and the other's `watch` gets device_revoked;
 *  - a raw Scan of the table and every object of the sync bucket hold none of the plaintext
 *    values, the passphrases or the master key.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { historyRecordId, openRecord } from '../../clients/sync/crypto';
import { LinkedDevice } from '../../clients/sync/device';
import { SNAPSHOT_TYPES } from '../../clients/sync/state';
import { setTier } from '../../functions/identity/accounts';
import { SETTLE_MS } from '../../functions/sync/feed';
import { identityDeps, mainTable, scanAll } from '../integration/data-fixtures';
import { awsClientConfig } from '../setup/env';
import { call, signUpWithToken } from '../support/http';
import { dumpItems, leaks } from '../support/sentinel-forms';
import { runClient, spawnClient } from '../support/sync-client';
import { browserSkipReason, logIn, openSuiteBrowser, SCREENSHOTS, seen, textIs, viaGateway } from './support/browser';

const skipReason = browserSkipReason();
if (skipReason) console.warn(`\n[e2e] two-device sync suite skipped: ${skipReason}\n`);
const describeBrowser = skipReason ? describe.skip : describe;

type Json = Record<string, unknown>;

describeBrowser('two reference clients as two devices (issue 16 done-when)', () => {
  const base = process.env.FLAREVAULT_URL ?? '';
  const root = mkdtempSync(join(tmpdir(), 'sync-two-devices-'));
  const dirA = join(root, 'device-a');
  const dirB = join(root, 'device-b');
  const secrets: { label: string; value: string | Buffer }[] = [];
  const sentinel = (label: string) => {
    const value = `SENTINEL-${label}-${randomBytes(6).toString('hex')}`;
    secrets.push({ label, value });
    return value;
  };
  const passphrase1 = sentinel('passphrase-1');
  const passphrase2 = sentinel('passphrase-2');
  let user: Awaited<ReturnType<typeof signUpWithToken>>;
  let b: Awaited<ReturnType<typeof openSuiteBrowser>>;
  let page: Page;
  let signedIn = false;
  const ids: Record<string, string> = {};

  const dataFile = (dir: string, ...parts: string[]) => join(dir, 'data', ...parts);
  const writeItem = (dir: string, type: string, id: string, value: Json) => {
    mkdirSync(dataFile(dir, type), { recursive: true });
    writeFileSync(dataFile(dir, type, `${id}.json`), JSON.stringify(value));
  };
  const readItem = (dir: string, type: string, id: string): Json => JSON.parse(readFileSync(dataFile(dir, type, `${id}.json`), 'utf8'));
  const appendHistory = (dir: string, records: Json[]) => {
    mkdirSync(dataFile(dir, 'history'), { recursive: true });
    const path = dataFile(dir, 'history', 'local.jsonl');
    writeFileSync(path, (existsSync(path) ? readFileSync(path, 'utf8') : '') + records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  };
  const historyLog = (dir: string, name: string): Json[] =>
    existsSync(dataFile(dir, 'history', `${name}.jsonl`))
      ? readFileSync(dataFile(dir, 'history', `${name}.jsonl`), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
  const client = (dir: string, args: string[], o: { env?: Record<string, string>; expectCode?: number } = {}) => runClient([...args, '--profile', dir], o);

  /** `sync-client link` as a child process, approved in Chromium when it prints the code. */
  async function linkInBrowser(dir: string, name: string) {
    let prompted!: (line: Json) => void;
    const prompt = new Promise<Json>((res) => (prompted = res));
    const linking = spawnClient(['link', '--profile', dir, '--url', base, '--name', name, '--platform', 'linux'], {
      env: { FLAREVAULT_SYNC_PASSPHRASE: passphrase1 },
      onLine: (line) => line.step === 'authorize' && prompted(line),
    });
    const started = await Promise.race([prompt, linking.done.then((r) => Promise.reject(new Error(`link ended early: ${r.stderr}`)))]);
    await page.goto(viaGateway(String(started.verification_uri_complete)));
    if (!signedIn) {
      await seen(page.getByLabel('Email'));
      await logIn(page, user.email, user.password);
      signedIn = true;
    }
    await textIs(page.getByTestId('device-name'), name);
    await textIs(page.getByTestId('user-code'), String(started.user_code));
    await b.shot(`approve-${name.toLowerCase().replace(/\W+/g, '-')}`);
    await page.getByRole('button', { name: 'Approve' }).click();
    await seen(page.getByText('Device linked'));
    const run = await linking.done;
    if (run.code !== 0) throw new Error(`link failed: ${run.stderr}`);
    expect(b.watch.take()).toEqual([]);
    return run.lines.find((l) => l.step === 'linked')!;
  }

  /**
   * Moves a device's events cursor past everything written so far: the feed hands out an event
   * only once it is SETTLE_MS old (sync/feed.ts), so the previous step's writes are waited out
   * first; otherwise they come after the cursor and reach the next watch (seen in a CI run).
   */
  async function cursorAtNow(dir: string) {
    await new Promise((r) => setTimeout(r, SETTLE_MS + 250));
    await client(dir, ['watch', '--for', '0']);
  }

  /** Everything on the server as one device can read it, decrypted in-process with its master key. */
  async function readEverything(dir: string) {
    const device = LinkedDevice.open(dir);
    const key = device.masterKey();
    const snapshots: Record<string, Record<string, unknown>> = {};
    for (const type of SNAPSHOT_TYPES) {
      snapshots[type] = {};
      const { heads } = await device.api.listSnapshots(type, 0);
      for (const h of heads) snapshots[type][h.id] = openRecord(key, type, h.id, h.blob);
    }
    const history: Record<string, unknown[]> = {};
    for (const [deviceId, maxIdx] of Object.entries((await device.api.historyStatus()).devices)) {
      const page = await device.api.readHistory(deviceId, 0, 5000);
      expect(page.records).toHaveLength(maxIdx + 1);
      history[deviceId] = page.records.map((r) => openRecord(key, 'history', historyRecordId(deviceId, r.idx), r.blob));
    }
    return { snapshots, history };
  }

  beforeAll(async () => {
    user = await signUpWithToken();
    // base tier: items up to 1 MiB, so a large snapshot goes to the S3 sync bucket
    await setTier(identityDeps(), user.email, 'base');
    b = await openSuiteBrowser(join(SCREENSHOTS, 'sync-two-devices'));
    page = b.page;
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('links both devices in Chromium: the first makes and stores the wrapped master key, the second unwraps it', async () => {
    const a = await linkInBrowser(dirA, 'Laptop A');
    expect(a.unlocked).toEqual({ created: true, keyVersion: 1 });
    const bLinked = await linkInBrowser(dirB, 'Desktop B');
    expect(bLinked.unlocked).toEqual({ created: false, keyVersion: 1 });
    ids.A = a.deviceId;
    ids.B = bLinked.deviceId;
    expect(ids.A).not.toBe(ids.B);
    expect(readFileSync(join(dirB, 'master.key'), 'utf8')).toBe(readFileSync(join(dirA, 'master.key'), 'utf8'));
    secrets.push({ label: 'master key', value: Buffer.from(readFileSync(join(dirA, 'master.key'), 'utf8').trim(), 'base64') });
  }, 120_000);

  const fromA = {
    environment: { dev: { API_URL: sentinel('env-dev'), SHARED: 'x', LEFT: '1', RIGHT: '1' } },
    secret: { 'api-token': { token: sentinel('secret-token') } },
    collection: { requests: { items: [{ name: sentinel('collection-item'), url: 'https://example.test' }] }, big: { payload: `${sentinel('collection-big')}${'y'.repeat(200_000)}` } },
    setting: { ui: { theme: sentinel('setting-theme') } },
  } as Record<string, Record<string, Json>>;
  const fromB = {
    environment: { prod: { API_URL: sentinel('env-prod') } },
    setting: { editor: { font: sentinel('setting-font') } },
  } as Record<string, Record<string, Json>>;
  const commands = (dev: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ cmd: sentinel(`history-${dev}-${from + i}`), exit: 0 }));

  it('syncs every type both ways', async () => {
    for (const [type, items] of Object.entries(fromA)) for (const [id, v] of Object.entries(items)) writeItem(dirA, type, id, v);
    appendHistory(dirA, commands('a', 3));
    const pushedA = (await client(dirA, ['push'])).lines[0];
    for (const type of SNAPSHOT_TYPES) expect(pushedA.types[type].pushed.map((p: Json) => p.id).sort()).toEqual(Object.keys(fromA[type]).sort());
    expect(pushedA.types.history).toMatchObject({ appended: 3, maxIdx: 2 });

    const pulledB = (await client(dirB, ['pull'])).lines[0];
    expect(pulledB.types.history.downloaded).toEqual({ [ids.A]: 3 });
    for (const [type, items] of Object.entries(fromA)) for (const [id, v] of Object.entries(items)) expect(readItem(dirB, type, id)).toEqual(v);
    expect(historyLog(dirB, ids.A)).toEqual(historyLog(dirA, 'local'));

    // B's data comes as one JSON input (push --input takes it into the working copy first).
    const input = join(root, 'b-input.json');
    writeFileSync(input, JSON.stringify({ ...fromB, history: commands('b', 2) }));
    const pushedB = (await client(dirB, ['push', '--input', input])).lines[0];
    rmSync(input);
    expect(pushedB.imported).toEqual({ items: 2, history: 2 });
    expect(pushedB.types.environment.pushed).toEqual([{ id: 'prod', version: 1 }]);
    expect(pushedB.types.environment.unchanged).toBe(1); // dev, as pulled
    await client(dirA, ['pull']);
    for (const [type, items] of Object.entries(fromB)) for (const [id, v] of Object.entries(items)) expect(readItem(dirA, type, id)).toEqual(v);
    expect(historyLog(dirA, ids.B)).toEqual(historyLog(dirB, 'local'));
  }, 120_000);

  it('a concurrent edit of one snapshot gets a 409 and merges with nothing lost', async () => {
    writeItem(dirA, 'environment', 'dev', { ...fromA.environment.dev, LEFT: 'edited on A', SHARED: 'A’s value' });
    writeItem(dirB, 'environment', 'dev', { ...fromA.environment.dev, RIGHT: 'edited on B', SHARED: 'B’s value', ADDED_ON_B: 'new' });
    const a = (await client(dirA, ['push', '--type', 'environment'])).lines[0];
    expect(a.types.environment.pushed).toEqual([{ id: 'dev', version: 2 }]);
    // B still holds version 1: its write is stale.
    const stale = await call('PUT', '/api/v1/sync/data/environment/dev', { token: LinkedDevice.open(dirB).state.token, headers: { 'if-match': '"1"' }, body: { blob: 'AAAA' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ type: expect.stringMatching(/snapshot-conflict$/), current: { version: 2, updatedBy: ids.A } });

    const bPush = (await client(dirB, ['push', '--type', 'environment'])).lines[0];
    expect(bPush.types.environment.merged).toEqual([{ id: 'dev', version: 3, conflicts: ['SHARED'] }]);
    const merged = {
      ...fromA.environment.dev,
      LEFT: 'edited on A',
      RIGHT: 'edited on B',
      ADDED_ON_B: 'new',
      SHARED: 'A’s value',
      [`SHARED@conflict-${ids.B}`]: 'B’s value',
    };
    expect(readItem(dirB, 'environment', 'dev')).toEqual(merged);
    await client(dirA, ['pull', '--type', 'environment']);
    expect(readItem(dirA, 'environment', 'dev')).toEqual(merged);
  }, 120_000);

  it('history appended on both devices at once converges on both', async () => {
    appendHistory(dirA, commands('a', 2, 3));
    appendHistory(dirB, commands('b', 3, 2));
    await Promise.all([client(dirA, ['push', '--type', 'history']), client(dirB, ['push', '--type', 'history'])]);
    await Promise.all([client(dirA, ['pull', '--type', 'history']), client(dirB, ['pull', '--type', 'history'])]);
    const status = (await client(dirA, ['status'])).lines[0];
    expect(status.remote.history).toEqual({ [ids.A]: 4, [ids.B]: 4 });
    expect(historyLog(dirA, 'local')).toHaveLength(5);
    expect(historyLog(dirB, ids.A)).toEqual(historyLog(dirA, 'local'));
    expect(historyLog(dirA, ids.B)).toEqual(historyLog(dirB, 'local'));
  }, 120_000);

  it('watch --pull on one device brings the other device’s change as it happens', async () => {
    await cursorAtNow(dirB);
    const watching = spawnClient(['watch', '--profile', dirB, '--pull', '--max-events', '1', '--for', '25']);
    const value = { theme: sentinel('setting-theme-live') };
    writeItem(dirA, 'setting', 'ui', value);
    await client(dirA, ['push', '--type', 'setting']);
    const run = await watching.done;
    expect(run.code).toBe(0);
    expect(run.lines.filter((l) => l.step === 'event')).toEqual([expect.objectContaining({ event: 'data_updated', type: 'setting', id: 'ui', deviceId: ids.A })]);
    expect(readItem(dirB, 'setting', 'ui')).toEqual(value);
  }, 60_000);

  it('rotate-key re-wraps the same master key: key_rotated reaches the other device, only the new passphrase unwraps, both devices read everything', async () => {
    await cursorAtNow(dirB);
    const rotated = (await client(dirA, ['rotate-key'], { env: { FLAREVAULT_SYNC_NEW_PASSPHRASE: passphrase2 } })).lines[0];
    expect(rotated).toEqual({ keyVersion: 2, attempts: 1 });
    const events = (await client(dirB, ['watch', '--max-events', '1', '--for', '20'])).lines.filter((l) => l.step === 'event');
    expect(events).toEqual([expect.objectContaining({ event: 'key_rotated', deviceId: ids.A })]);

    // B forgets its key: the old passphrase no longer unwraps, the new one does.
    rmSync(join(dirB, 'master.key'));
    const refused = await client(dirB, ['unlock'], { env: { FLAREVAULT_SYNC_PASSPHRASE: passphrase1 }, expectCode: 1 });
    expect(refused.stderr).toMatch(/passphrase does not unwrap/);
    expect((await client(dirB, ['unlock'], { env: { FLAREVAULT_SYNC_PASSPHRASE: passphrase2 } })).lines[0]).toEqual({ created: false, keyVersion: 2 });
    expect(readFileSync(join(dirB, 'master.key'), 'utf8')).toBe(readFileSync(join(dirA, 'master.key'), 'utf8'));

    // New data after the rotation flows both ways, and each device reads everything stored.
    writeItem(dirA, 'secret', 'api-token', { token: sentinel('secret-token-2') });
    await client(dirA, ['push']);
    await client(dirB, ['pull']);
    expect(readItem(dirB, 'secret', 'api-token')).toEqual({ token: secrets.find((s) => s.label === 'secret-token-2')!.value });
    const [seenA, seenB] = await Promise.all([readEverything(dirA), readEverything(dirB)]);
    expect(seenB).toEqual(seenA);
    expect(seenA.snapshots.collection.big).toEqual(fromA.collection.big);
    expect(seenA.history[ids.A]).toEqual(historyLog(dirA, 'local'));
    expect(seenA.history[ids.B]).toEqual(historyLog(dirB, 'local'));
  }, 120_000);

  it('revoking a device refuses it at once and emits device_revoked to the other', async () => {
    await cursorAtNow(dirA);
    const watching = spawnClient(['watch', '--profile', dirA, '--max-events', '1', '--for', '25']);
    const revoked = await call('DELETE', `/api/v1/devices/${ids.B}`, { token: user.token });
    expect(revoked.status).toBe(204);
    const refused = await client(dirB, ['pull'], { expectCode: 3 });
    expect(JSON.parse(refused.stderr.trim())).toMatchObject({ status: 401 });
    const run = await watching.done;
    expect(run.code).toBe(0);
    expect(run.lines.filter((l) => l.step === 'event')).toEqual([expect.objectContaining({ event: 'device_revoked', deviceId: ids.B })]);
    // A keeps working.
    expect((await client(dirA, ['status'])).lines[0].remote.keyVersion).toBe(2);
  }, 120_000);

  it('a raw Scan of the table and every object of the sync bucket hold none of the plaintext, the passphrases or the master key', async () => {
    expect(secrets.length).toBeGreaterThan(15);
    // Control: the same search finds them where they are in the clear (a device's working copy and key file).
    const workingCopy = SNAPSHOT_TYPES.map((t) => JSON.stringify(readItem(dirA, t, Object.keys(fromA[t])[0]))).join('') + JSON.stringify(historyLog(dirA, 'local'));
    expect(leaks(workingCopy, secrets).length).toBeGreaterThanOrEqual(5);
    expect(leaks(readFileSync(join(dirA, 'master.key'), 'utf8'), secrets)).toContainEqual(expect.stringMatching(/^master key as /));
    const items = await scanAll(mainTable());
    expect(items.length).toBeGreaterThan(0);
    expect(leaks(dumpItems(items), secrets)).toEqual([]);

    const bucket = process.env.SYNC_BUCKET;
    expect(bucket).toBeTruthy();
    const s3 = new S3Client({ ...awsClientConfig(), forcePathStyle: true });
    try {
      const found: string[] = [];
      let objects = 0;
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const o of page.Contents ?? []) {
          const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray());
          objects++;
          found.push(...leaks(body.toString('latin1'), secrets).map((l) => `${o.Key}: ${l}`));
        }
        token = page.NextContinuationToken;
      } while (token);
      expect(objects).toBeGreaterThan(0); // the large collection item went to S3
      expect(found).toEqual([]);
    } finally {
      s3.destroy();
    }
  }, 120_000);
});
