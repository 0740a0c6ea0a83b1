/**
 * The session vault's domain (functions/vault/values.ts) against DynamoDB Local
 * and the local KMS: round trip, limits (413 value size, key cap under a burst),
 * If-Match (412, burst: exactly one winner), isolation between subjects, what
 * lies at rest (no name, no value, AAD binding), and the crypto-shred.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DecryptionError } from '../../functions/crypto/errors';
import { tenantPk } from '../../functions/tenancy/tenant';
import { VaultUserEntity, vaultUserSk, type VaultSubject } from '../../functions/vault/entities';
import { deleteValue, getValue, listValues, putValue, shredApplication, shredAppUser, valueReads, type PrefetchedEntry, type VaultDeps, type VaultLimits } from '../../functions/vault/values';
import { freshWorkspace, layer, mainTable, partition } from './data-fixtures';
import { outcome } from './domain-outcome';

const dl = layer();
const deps: VaultDeps = { repo: dl.repo, table: dl.table, blind: dl.blind, now: Date.now };
const limits: VaultLimits = { vaultValueBytes: 1024, vaultKeysPerUser: 5 };

const freshSubject = (over: Partial<VaultSubject> = {}): VaultSubject => ({
  tenant: freshWorkspace(),
  applicationId: `app-${randomUUID()}`,
  appUserId: `u-${randomUUID()}`,
  ...over,
});

async function record(s: VaultSubject) {
  return dl.repo.get(s.tenant, VaultUserEntity, vaultUserSk(s));
}

describe('vault values', () => {
  it('sets, reads, lists and deletes; versions count writes; createdAt stays', async () => {
    const s = freshSubject();
    const first = await putValue(deps, s, 'cart', { items: [1, 2] }, { limits });
    expect(first).toMatchObject({ version: 1, size: JSON.stringify({ items: [1, 2] }).length });
    const second = await putValue(deps, s, 'cart', { items: [1, 2, 3] }, { limits });
    expect(second.version).toBe(2);
    expect(second.createdAt).toBe(first.createdAt);
    await putValue(deps, s, 'a.theme:dark-mode_1', 'dark', { limits });

    await expect(getValue(deps, s, 'cart')).resolves.toMatchObject({ key: 'cart', value: { items: [1, 2, 3] }, version: 2, size: 17 });
    const listed = await listValues(deps, s);
    expect(listed.map((e) => [e.key, e.size, e.version])).toEqual([
      ['a.theme:dark-mode_1', 6, 1],
      ['cart', 17, 2],
    ]);
    expect(await record(s)).toMatchObject({ keyCount: 2, valueBytes: 23 });

    await expect(deleteValue(deps, s, 'cart')).resolves.toEqual({ size: 17 });
    expect(await outcome(getValue(deps, s, 'cart'))).toMatchObject({ kind: 'not-found', code: 'value-not-found' });
    expect(await outcome(deleteValue(deps, s, 'cart'))).toMatchObject({ kind: 'not-found', code: 'value-not-found' });
    expect((await listValues(deps, s)).map((e) => e.key)).toEqual(['a.theme:dark-mode_1']);
    expect(await record(s)).toMatchObject({ keyCount: 1, valueBytes: 6 });
    // null, numbers and strings are JSON values too
    await putValue(deps, s, 'nothing', null, { limits });
    await expect(getValue(deps, s, 'nothing')).resolves.toMatchObject({ value: null, size: 4 });
  });

  it('getValue answers from prefetched reads (a caller’s own batch) exactly as from its own, and refuses reads of another key', async () => {
    const s = freshSubject();
    await putValue(deps, s, 'a', 'alpha', { limits });
    await putValue(deps, s, 'b', 'beta', { limits });
    const batch = async (key: string) => (await dl.repo.getMany(await valueReads(deps, s, key))) as unknown as PrefetchedEntry;
    await expect(getValue(deps, s, 'a', await batch('a'))).resolves.toEqual(await getValue(deps, s, 'a'));
    expect(await outcome(getValue(deps, s, 'zzz', await batch('zzz')))).toMatchObject({ kind: 'not-found', code: 'value-not-found' });
    await expect(getValue(deps, s, 'a', await batch('b'))).rejects.toThrow(TypeError);
    await expect(getValue(deps, { ...s, appUserId: `u-${randomUUID()}` }, 'a', await batch('a'))).rejects.toThrow(TypeError);
  });

  it('refuses a key outside [A-Za-z0-9._:-]{1,128} with a field detail', async () => {
    const s = freshSubject();
    for (const key of ['', 'a/b', 'a b', 'é', 'x'.repeat(129), 'a#b']) {
      expect(await outcome(putValue(deps, s, key, 1, { limits }))).toMatchObject({ kind: 'invalid' });
    }
    await expect(putValue(deps, s, 'x'.repeat(128), 1, { limits })).resolves.toMatchObject({ version: 1 });
  });

  it('413 value-too-large names the limit; a value of exactly the limit passes', async () => {
    const s = freshSubject();
    const exact = 'é'.repeat((limits.vaultValueBytes - 2) / 2); // 2 bytes each in UTF-8, plus the quotes
    await expect(putValue(deps, s, 'big', exact, { limits })).resolves.toMatchObject({ size: limits.vaultValueBytes });
    expect(await outcome(putValue(deps, s, 'big', `${exact}a`, { limits }))).toEqual({
      kind: 'payload-too-large',
      code: 'value-too-large',
      extra: { limit: limits.vaultValueBytes, size: limits.vaultValueBytes + 1 },
    });
    await expect(getValue(deps, s, 'big')).resolves.toMatchObject({ value: exact });
  });

  it('If-Match: the current version passes, a stale one or an absent key answers 412', async () => {
    const s = freshSubject();
    expect(await outcome(putValue(deps, s, 'k', 1, { limits, ifMatch: 1 }))).toMatchObject({ kind: 'precondition-failed', extra: { currentVersion: null } });
    await putValue(deps, s, 'k', 1, { limits });
    await expect(putValue(deps, s, 'k', 2, { limits, ifMatch: 1 })).resolves.toMatchObject({ version: 2 });
    expect(await outcome(putValue(deps, s, 'k', 3, { limits, ifMatch: 1 }))).toMatchObject({
      kind: 'precondition-failed',
      code: 'precondition-failed',
      extra: { currentVersion: 2 },
    });
    await expect(getValue(deps, s, 'k')).resolves.toMatchObject({ value: 2, version: 2 });
  });

  it('a burst of 12 sets with the same If-Match: exactly one wins, the others get 412', async () => {
    const s = freshSubject();
    await putValue(deps, s, 'counter', 0, { limits });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => outcome(putValue(deps, s, 'counter', i + 1, { limits, ifMatch: 1 }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r !== 'ok').every((r) => typeof r === 'object' && r.kind === 'precondition-failed')).toBe(true);
    const after = await getValue(deps, s, 'counter');
    expect(after.version).toBe(2);
    expect(results[(after.value as number) - 1]).toBe('ok');
  });

  it('the key cap holds under a burst of 15 creates (cap 5), and counts only new keys', async () => {
    const s = freshSubject();
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => outcome(putValue(deps, s, `k${i}`, i, { limits }))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(5);
    expect(results.filter((r) => r !== 'ok')).toEqual(Array(10).fill({ kind: 'limit-exceeded', code: 'too-many-keys', extra: { limit: 5 } }));
    const listed = await listValues(deps, s);
    expect(listed).toHaveLength(5);
    expect(await record(s)).toMatchObject({ keyCount: 5, valueBytes: listed.reduce((n, e) => n + e.size, 0) });
    // at the cap: an existing key still changes, a new one does not until one is deleted
    await expect(putValue(deps, s, listed[0]!.key, 'changed', { limits })).resolves.toMatchObject({ version: 2 });
    expect(await outcome(putValue(deps, s, 'one-more', 1, { limits }))).toMatchObject({ code: 'too-many-keys' });
    await deleteValue(deps, s, listed[1]!.key);
    await expect(putValue(deps, s, 'one-more', 1, { limits })).resolves.toMatchObject({ version: 1 });
  });

  it('concurrent writes to different keys of one user all land, and the counters add up', async () => {
    const s = freshSubject();
    const roomy = { vaultValueBytes: 1024, vaultKeysPerUser: 100 };
    await Promise.all(Array.from({ length: 10 }, (_, i) => putValue(deps, s, `k${i}`, 'x'.repeat(i), { limits: roomy })));
    await Promise.all(Array.from({ length: 5 }, (_, i) => deleteValue(deps, s, `k${i}`)));
    const listed = await listValues(deps, s);
    expect(listed.map((e) => e.key)).toEqual(['k5', 'k6', 'k7', 'k8', 'k9']);
    expect(await record(s)).toMatchObject({ keyCount: 5, valueBytes: listed.reduce((n, e) => n + e.size, 0) });
  });

  it('another user, application or workspace never sees a value under the same key name', async () => {
    const s = freshSubject();
    await putValue(deps, s, 'shared-name', 'mine', { limits });
    for (const other of [{ appUserId: `u-${randomUUID()}` }, { applicationId: `app-${randomUUID()}` }, { tenant: freshWorkspace() }]) {
      const o = { ...s, ...other };
      expect(await outcome(getValue(deps, o, 'shared-name'))).toMatchObject({ kind: 'not-found' });
      expect(await listValues(deps, o)).toEqual([]);
      await putValue(deps, o, 'shared-name', 'theirs', { limits });
      await expect(getValue(deps, o, 'shared-name')).resolves.toMatchObject({ value: 'theirs' });
    }
    await expect(getValue(deps, s, 'shared-name')).resolves.toMatchObject({ value: 'mine' });
  });
});

describe('vault at rest', () => {
  it('neither the key name nor the value is in the raw items; the sort key holds a blind index', async () => {
    const s = freshSubject();
    const name = `name-${randomUUID()}`;
    const value = `value-${randomUUID()}`;
    await putValue(deps, s, name, { value }, { limits });
    const raw = await partition(mainTable(), tenantPk(s.tenant));
    const dump = JSON.stringify(raw, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
    expect(dump).not.toContain(name);
    expect(dump).not.toContain(value);
    const item = raw.find((i) => String(i.sk).startsWith('VAULT#'))!;
    expect(item.sk).toMatch(new RegExp(`^VAULT#${s.applicationId}#${s.appUserId}#[A-Za-z0-9_-]{43}$`));
    expect(item.sealedName).toMatch(/^fv1\.1\./);
    expect(item.sealedValue).toMatch(/^fv1\.1\./);
    expect(raw.find((i) => String(i.sk).startsWith('VAULTUSER#'))?.dataKey).toMatch(/^fv1\.1\./); // wrapped by the workspace DEK
  });

  it('a sealed value copied to another key or user of the same workspace does not open (AAD)', async () => {
    const s = freshSubject();
    const t = mainTable();
    await putValue(deps, s, 'secret', 'original', { limits });
    await putValue(deps, s, 'other', 'mine', { limits });
    const bob = { ...s, appUserId: `u-${randomUUID()}` };
    await putValue(deps, bob, 'other', 'bobs', { limits });
    const raws = await partition(t, tenantPk(s.tenant));
    const items = raws.filter((i) => String(i.sk).startsWith('VAULT#'));
    const secret = items.find((i) => String(i.sk).startsWith(`VAULT#${s.applicationId}#${s.appUserId}#`) && i.bytes === 10)!;
    const otherOfS = items.find((i) => String(i.sk).startsWith(`VAULT#${s.applicationId}#${s.appUserId}#`) && i.sk !== secret.sk)!;
    const otherOfBob = items.find((i) => String(i.sk).startsWith(`VAULT#${s.applicationId}#${bob.appUserId}#`))!;
    // the same user's other key: same data key, different sort key in the AAD
    await t.doc.send(new PutCommand({ TableName: t.name, Item: { ...otherOfS, sealedValue: secret.sealedValue } }));
    await expect(getValue(deps, s, 'other')).rejects.toBeInstanceOf(DecryptionError);
    // another user's key: their data key and their sort key
    await t.doc.send(new PutCommand({ TableName: t.name, Item: { ...otherOfBob, sealedValue: secret.sealedValue } }));
    await expect(getValue(deps, bob, 'other')).rejects.toBeInstanceOf(DecryptionError);
  });

  it('subject keys cost no KMS call: 50 writes and reads of 10 users make none once the workspace DEK is cached', async () => {
    const tenant = freshWorkspace();
    const applicationId = `app-${randomUUID()}`;
    const users = Array.from({ length: 10 }, () => ({ tenant, applicationId, appUserId: `u-${randomUUID()}` }));
    await putValue(deps, users[0]!, 'warm', 1, { limits });
    const before = dl.wrapper.stats().total;
    for (const u of users) {
      await putValue(deps, u, 'a', 1, { limits });
      await putValue(deps, u, 'b', 2, { limits });
      await getValue(deps, u, 'a');
      await listValues(deps, u);
      await deleteValue(deps, u, 'b');
    }
    expect(dl.wrapper.stats().total - before).toBe(0);
  });
});

describe('vault crypto-shred', () => {
  it('deletes the data key first: a copy of the values (a backup) no longer opens; then the values go', async () => {
    const s = freshSubject();
    const t = mainTable();
    await putValue(deps, s, 'a', 'alpha', { limits });
    await putValue(deps, s, 'b', 'beta', { limits });
    const neighbour = { ...s, appUserId: `u-${randomUUID()}` };
    await putValue(deps, neighbour, 'a', 'stays', { limits });
    const copy = (await partition(t, tenantPk(s.tenant))).filter((i) => String(i.sk).startsWith(`VAULT#${s.applicationId}#${s.appUserId}#`));
    expect(copy).toHaveLength(2);

    await expect(shredAppUser(deps, s)).resolves.toEqual({ values: 2 });
    expect(await record(s)).toBeUndefined();
    expect(await listValues(deps, s)).toEqual([]);
    await expect(getValue(deps, neighbour, 'a')).resolves.toMatchObject({ value: 'stays' });

    // restore the copied values (a backup taken before or during the shred, without the key record)
    for (const Item of copy) await t.doc.send(new PutCommand({ TableName: t.name, Item }));
    expect(await outcome(getValue(deps, s, 'a'))).toMatchObject({ kind: 'not-found' });
    // the user comes back: a new data key; the old ciphertext does not open under it and is not counted
    await putValue(deps, s, 'c', 'gamma', { limits });
    expect(await outcome(getValue(deps, s, 'a'))).toMatchObject({ kind: 'not-found' });
    expect((await listValues(deps, s)).map((e) => e.key)).toEqual(['c']);
    expect(await record(s)).toMatchObject({ keyCount: 1 });
    // a set over a stale item replaces it and counts it as new
    await expect(putValue(deps, s, 'a', 'again', { limits })).resolves.toMatchObject({ version: 2 });
    await expect(getValue(deps, s, 'a')).resolves.toMatchObject({ value: 'again' });
    expect(await record(s)).toMatchObject({ keyCount: 2 });
    // a second shred removes the leftover stale item too, and nothing of the new key survives
    await expect(shredAppUser(deps, s)).resolves.toEqual({ values: 3 });
    expect((await partition(t, tenantPk(s.tenant))).filter((i) => String(i.sk).includes(`#${s.appUserId}`))).toEqual([]);
  });

  it('a shred interrupted after the key is gone leaves nothing readable, and running it again finishes', async () => {
    const s = freshSubject();
    const t = mainTable();
    await putValue(deps, s, 'a', 'alpha', { limits });
    await dl.repo.delete(s.tenant, VaultUserEntity, vaultUserSk(s)); // the first step only
    expect(await outcome(getValue(deps, s, 'a'))).toMatchObject({ kind: 'not-found' });
    expect(await listValues(deps, s)).toEqual([]);
    await expect(shredAppUser(deps, s)).resolves.toEqual({ values: 1 });
    const left = await t.doc.send(new GetCommand({ TableName: t.name, Key: { pk: tenantPk(s.tenant), sk: vaultUserSk(s) } }));
    expect(left.Item).toBeUndefined();
    await expect(shredAppUser(deps, s)).resolves.toEqual({ values: 0 });
  });

  it('shredApplication shreds every user of a deleted application (105: more than a page), and nothing of another one', async () => {
    const tenant = freshWorkspace();
    const gone = `app-${randomUUID()}`;
    const kept = { tenant, applicationId: `app-${randomUUID()}`, appUserId: `u-${randomUUID()}` };
    const users = Array.from({ length: 105 }, (_, i) => ({ tenant, applicationId: gone, appUserId: `u${i}-${randomUUID()}` }));
    for (let i = 0; i < users.length; i += 15) {
      await Promise.all(users.slice(i, i + 15).map((u, j) => putValue(deps, u, 'k', i + j, { limits })));
    }
    await putValue(deps, users[0]!, 'second', 2, { limits });
    await putValue(deps, kept, 'k', 'stays', { limits });
    await expect(shredApplication(deps, tenant, gone)).resolves.toEqual({ users: 105, values: 106 });
    const left = (await partition(mainTable(), tenantPk(tenant))).map((i) => String(i.sk)).filter((sk) => sk.includes(gone));
    expect(left).toEqual([]);
    await expect(getValue(deps, kept, 'k')).resolves.toMatchObject({ value: 'stays' });
    await expect(shredApplication(deps, tenant, gone)).resolves.toEqual({ users: 0, values: 0 });
  });
});
