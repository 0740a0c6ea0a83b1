/**
 * The tenant-scoped data layer against DynamoDB Local and the local KMS:
 * isolation, optimistic concurrency, unique email transaction, cursors,
 * KMS call budget, concurrent first use, rotation + re-encryption,
 * crypto-shredding on a raw table copy.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DecryptionError, KeyNotFoundError } from '../../functions/crypto/errors';
import { sealedVersion } from '../../functions/crypto/field';
import { keySk } from '../../functions/crypto/keyring';
import { reencryptTenant, rotateTenantKey } from '../../functions/ops/key-rotation';
import { tenantKey, tenantPk } from '../../functions/tenancy/tenant';
import { defineEntity } from '../../functions/data/entity';
import { InvalidCursorError } from '../../functions/crypto/errors';
import { ConflictError } from '../../functions/data/errors';
import { freshUser, layer, mainTable, partition, putRaw, scratchTable } from './data-fixtures';

interface Secret {
  label: string;
  value: string;
  note?: { a: number; b: string[] };
}
const SecretEntity = defineEntity<Secret>({ name: 'test-secret', skPrefix: 'TSECRET#', encrypted: ['value', 'note'] });

interface Account {
  emailIndex: string;
  email: string;
}
const AccountEntity = defineEntity<Account>({ name: 'test-account', skPrefix: 'TACCOUNT#', encrypted: ['email'] });

const dl = layer();

describe('tenant isolation', () => {
  it('a tenant cannot get, query or GSI-query another tenant’s items', async () => {
    const a = freshUser();
    const b = freshUser();
    await dl.repo.create(a, SecretEntity, 'TSECRET#1', { label: 'x', value: 'alpha' }, { gsi1: { pk: 'STATE#open', sk: '1' } });
    await dl.repo.create(b, SecretEntity, 'TSECRET#2', { label: 'y', value: 'beta' }, { gsi1: { pk: 'STATE#open', sk: '2' } });

    expect((await dl.repo.get(a, SecretEntity, 'TSECRET#1'))?.value).toBe('alpha');
    expect(await dl.repo.get(b, SecretEntity, 'TSECRET#1')).toBeUndefined();
    expect((await dl.repo.query(b, SecretEntity)).items.map((i) => i.value)).toEqual(['beta']);
    const gsiB = await dl.repo.query(b, SecretEntity, { gsi1: { pk: 'STATE#open' } });
    expect(gsiB.items.map((i) => i.sk)).toEqual(['TSECRET#2']);
    // the wrong entity's definition does not read an item either
    expect(await dl.repo.get(a, AccountEntity, 'TACCOUNT#1')).toBeUndefined();
    // keys are tenant-scoped in storage
    const raw = await partition(mainTable(), tenantPk(a));
    expect(raw.every((i) => i.pk === tenantPk(a))).toBe(true);
    expect(raw.find((i) => i.sk === 'TSECRET#1')?.gsi1pk).toBe(`${tenantPk(a)}#STATE#open`);
  });

  it('getMany reads several tenants in one batch and answers each read as get would', async () => {
    const a = freshUser();
    const b = freshUser();
    await dl.repo.create(a, SecretEntity, 'TSECRET#1', { label: 'x', value: 'alpha' });
    await dl.repo.create(b, SecretEntity, 'TSECRET#1', { label: 'y', value: 'beta' });
    await dl.repo.create(b, SecretEntity, 'TSECRET#old', { label: 'z', value: 'gone' }, { ttl: Math.floor(Date.now() / 1000) - 10 });
    const [ofA, ofB, again, absent, wrongEntity, expired] = await dl.repo.getMany([
      { tenant: a, entity: SecretEntity, sk: 'TSECRET#1' },
      { tenant: b, entity: SecretEntity, sk: 'TSECRET#1' },
      { tenant: a, entity: SecretEntity, sk: 'TSECRET#1' }, // the same key twice
      { tenant: a, entity: SecretEntity, sk: 'TSECRET#2' },
      { tenant: a, entity: defineEntity<Secret>({ name: 'test-other', skPrefix: 'TSECRET#', encrypted: [] }), sk: 'TSECRET#1' },
      { tenant: b, entity: SecretEntity, sk: 'TSECRET#old' },
    ] as const);
    expect([ofA?.value, ofB?.value, again?.value]).toEqual(['alpha', 'beta', 'alpha']);
    expect([absent, wrongEntity, expired]).toEqual([undefined, undefined, undefined]);
    // The sort key must belong to the entity, as for get.
    await expect(dl.repo.getMany([{ tenant: a, entity: SecretEntity, sk: 'TACCOUNT#1' }] as const)).rejects.toThrow();
  });

  it('a ciphertext copied into another tenant’s item does not decrypt', async () => {
    const a = freshUser();
    const b = freshUser();
    await dl.repo.create(a, SecretEntity, 'TSECRET#1', { label: 'x', value: 'alpha' });
    await dl.repo.create(b, SecretEntity, 'TSECRET#1', { label: 'y', value: 'beta' });
    const t = mainTable();
    const stolen = (await t.doc.send(new GetCommand({ TableName: t.name, Key: { pk: tenantPk(a), sk: 'TSECRET#1' } }))).Item!;
    await t.doc.send(
      new UpdateCommand({
        TableName: t.name,
        Key: { pk: tenantPk(b), sk: 'TSECRET#1' },
        UpdateExpression: 'SET #v = :v',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':v': stolen.value },
      }),
    );
    await expect(dl.repo.get(b, SecretEntity, 'TSECRET#1')).rejects.toBeInstanceOf(DecryptionError);
  });

  it('a wrapped DEK copied into another tenant’s key record does not unwrap (KMS context binds the tenant)', async () => {
    const a = freshUser();
    const b = freshUser();
    await dl.keyring.current(a);
    const t = mainTable();
    const rec = (await t.doc.send(new GetCommand({ TableName: t.name, Key: { pk: tenantPk(a), sk: keySk(1) } }))).Item!;
    await t.doc.send(new PutCommand({ TableName: t.name, Item: { ...rec, pk: tenantPk(b) } }));
    await expect(layer().keyring.get(b, 1)).rejects.toBeInstanceOf(DecryptionError);
  });
});

describe('optimistic concurrency and conditional writes', () => {
  it('create is conditional; stale versions conflict', async () => {
    const a = freshUser();
    const created = await dl.repo.create(a, SecretEntity, 'TSECRET#occ', { label: 'l', value: 'v1' });
    expect(created.version).toBe(1);
    await expect(dl.repo.create(a, SecretEntity, 'TSECRET#occ', { label: 'l', value: 'again' })).rejects.toMatchObject({
      name: 'ConflictError',
      reason: 'exists',
    });
    const updated = await dl.repo.update(a, SecretEntity, 'TSECRET#occ', { value: 'v2', note: { a: 1, b: ['x'] } }, { expectedVersion: 1 });
    expect(updated).toMatchObject({ value: 'v2', version: 2, note: { a: 1, b: ['x'] }, label: 'l' });
    const stale = dl.repo.update(a, SecretEntity, 'TSECRET#occ', { value: 'lost update' }, { expectedVersion: 1 });
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({ kind: 'conflict', reason: 'version' });
    const put = await dl.repo.put(a, SecretEntity, 'TSECRET#occ', { label: 'm', value: 'v3' }, { expectedVersion: 2 });
    expect(put.version).toBe(3);
    await expect(dl.repo.put(a, SecretEntity, 'TSECRET#occ', { label: 'm', value: 'x' }, { expectedVersion: 2 })).rejects.toBeInstanceOf(
      ConflictError,
    );
    const removed = await dl.repo.update(a, SecretEntity, 'TSECRET#occ', { note: undefined }, { expectedVersion: 3 });
    expect(removed.note).toBeUndefined();
    await expect(dl.repo.delete(a, SecretEntity, 'TSECRET#occ', { expectedVersion: 3 })).rejects.toBeInstanceOf(ConflictError);
    await dl.repo.delete(a, SecretEntity, 'TSECRET#occ', { expectedVersion: 4 });
    expect(await dl.repo.get(a, SecretEntity, 'TSECRET#occ')).toBeUndefined();
    await expect(dl.repo.delete(a, SecretEntity, 'TSECRET#occ')).rejects.toMatchObject({ reason: 'missing' });
  });

  it('two concurrent writers on the same version: exactly one wins', async () => {
    const a = freshUser();
    await dl.repo.create(a, SecretEntity, 'TSECRET#race', { label: 'l', value: 'v1' });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => dl.repo.update(a, SecretEntity, 'TSECRET#race', { value: `w${i}` }, { expectedVersion: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConflictError)).toHaveLength(4);
  });

  it('expired items (ttl in the past) read as absent before DynamoDB removes them', async () => {
    const a = freshUser();
    await dl.repo.create(a, SecretEntity, 'TSECRET#old', { label: 'l', value: 'v' }, { ttl: Math.floor(Date.now() / 1000) - 1 });
    expect(await dl.repo.get(a, SecretEntity, 'TSECRET#old')).toBeUndefined();
  });

  it('an expired item is absent for create too, alone or in a transaction (a key reused before DynamoDB removes it)', async () => {
    const a = freshUser();
    const past = Math.floor(Date.now() / 1000) - 1;
    await dl.repo.create(a, SecretEntity, 'TSECRET#reuse', { label: 'old', value: 'v' }, { ttl: past });
    await dl.repo.create(a, SecretEntity, 'TSECRET#reuse', { label: 'new', value: 'v' });
    expect(await dl.repo.get(a, SecretEntity, 'TSECRET#reuse')).toMatchObject({ label: 'new', version: 1 });
    await dl.repo.create(a, SecretEntity, 'TSECRET#reuse-tx', { label: 'old', value: 'v' }, { ttl: past });
    await dl.repo.tx(a).create(SecretEntity, 'TSECRET#reuse-tx', { label: 'new', value: 'v' }).commit();
    expect(await dl.repo.get(a, SecretEntity, 'TSECRET#reuse-tx')).toMatchObject({ label: 'new' });
    // A live item still conflicts.
    await expect(dl.repo.create(a, SecretEntity, 'TSECRET#reuse', { label: 'x', value: 'v' })).rejects.toThrow(/already exists/);
  });
});

describe('unique email (guard item + user item in one transaction)', () => {
  async function register(t: ReturnType<typeof freshUser>, email: string) {
    const emailIndex = await dl.blind.blindIndex('email', email);
    await dl.repo
      .tx(t)
      .createGlobal(`EMAIL#${emailIndex}`, 'GUARD')
      .create(AccountEntity, 'TACCOUNT#profile', { emailIndex, email })
      .commit();
    return emailIndex;
  }

  it('the second registration of the same (normalised) email fails and writes nothing', async () => {
    const a = freshUser();
    const b = freshUser();
    const tag = `${Date.now()}${Math.random()}`;
    const idx = await register(a, `Unique.${tag}@Example.com`);
    await expect(register(b, `  unique.${tag}@example.COM `)).rejects.toMatchObject({ name: 'ConflictError', reason: 'unique' });
    expect(await dl.repo.get(b, AccountEntity, 'TACCOUNT#profile')).toBeUndefined();
    const guard = await dl.repo.getGlobal(`EMAIL#${idx}`, 'GUARD');
    expect(guard?.tenant).toBe(tenantKey(a));
    expect((await dl.repo.get(a, AccountEntity, 'TACCOUNT#profile'))?.email).toBe(`Unique.${tag}@Example.com`);
    // another tenant cannot release the guard
    await expect(dl.repo.tx(b).deleteGlobal(`EMAIL#${idx}`, 'GUARD').commit()).rejects.toBeInstanceOf(ConflictError);
    await dl.repo.tx(a).deleteGlobal(`EMAIL#${idx}`, 'GUARD').delete(AccountEntity, 'TACCOUNT#profile').commit();
    await register(b, `unique.${tag}@example.com`);
  });

  it('the blind index is stable across containers, purpose-separated and never the email', async () => {
    const other = layer();
    const e = 'Person@Example.org';
    const i1 = await dl.blind.blindIndex('email', e);
    expect(await other.blind.blindIndex('email', ' person@example.ORG')).toBe(i1);
    expect(await dl.blind.blindIndex('username', e)).not.toBe(i1);
    expect(i1).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(i1.toLowerCase()).not.toContain('person');
  });
});

describe('pagination cursors', () => {
  it('pages through a tenant’s items; a cursor cannot cross tenants or queries', async () => {
    const a = freshUser();
    const b = freshUser();
    for (let i = 0; i < 5; i++) await dl.repo.create(a, SecretEntity, `TSECRET#${i}`, { label: 'l', value: `a${i}` });
    for (let i = 0; i < 5; i++) await dl.repo.create(b, SecretEntity, `TSECRET#${i}`, { label: 'l', value: `b${i}` });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await dl.repo.query(a, SecretEntity, { limit: 2, cursor });
      seen.push(...page.items.map((i) => i.value));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);

    const first = await dl.repo.query(a, SecretEntity, { limit: 2 });
    expect(first.cursor).toBeDefined();
    expect(first.cursor).not.toContain('TSECRET'); // opaque enough: base64url of the key
    await expect(dl.repo.query(b, SecretEntity, { limit: 2, cursor: first.cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(dl.repo.query(a, SecretEntity, { limit: 2, cursor: first.cursor, descending: true })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    const tampered = first.cursor!.replace(/^c1\.(.)/, (_m, c: string) => `c1.${c === 'A' ? 'B' : 'A'}`);
    await expect(dl.repo.query(a, SecretEntity, { limit: 2, cursor: tampered })).rejects.toMatchObject({ kind: 'invalid' });
    // a cursor minted by another container (same deployment) works
    const next = await layer().repo.query(a, SecretEntity, { limit: 2, cursor: first.cursor });
    expect(next.items.map((i) => i.value)).toEqual(['a2', 'a3']);
  });
});

describe('keyring', () => {
  it('1,000 reads for 10 tenants through one warm keyring make ≤ 10 KMS calls', async () => {
    const tenants = Array.from({ length: 10 }, () => freshUser());
    await Promise.all(tenants.map((t, i) => dl.repo.create(t, SecretEntity, 'TSECRET#kms', { label: 'l', value: `v${i}` })));

    const reader = layer(); // a new container: cold cache
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const t = tenants[i % 10]!;
          const item = await reader.repo.get(t, SecretEntity, 'TSECRET#kms');
          expect(item?.value).toBe(`v${i % 10}`);
        }),
      );
    }
    const s = reader.keyring.stats();
    expect(s.kmsCalls).toBeLessThanOrEqual(10);
    expect(s.decrypt).toBe(10);
    expect(s.generateDataKey).toBe(0);
    expect(reader.wrapper.stats().total).toBe(10);
  });

  it('cached DEKs expire after the TTL (fake clock) and the cache is bounded', async () => {
    const t = freshUser();
    const u = freshUser();
    await dl.keyring.current(t);
    await dl.keyring.current(u);
    let now = 0;
    const k = layer(mainTable(), { ttlMs: 1000, maxEntries: 1, now: () => now }).keyring;
    await k.get(t, 1);
    await k.get(t, 1);
    expect(k.stats().kmsCalls).toBe(1);
    now = 1000;
    await k.get(t, 1);
    expect(k.stats().kmsCalls).toBe(2);
    await k.get(u, 1); // evicts t (maxEntries 1)
    await k.get(t, 1);
    expect(k.stats().kmsCalls).toBe(4);
    expect(k.stats().cachedKeys).toBe(1);
  });

  it('concurrent first use creates one DEK, in one process and across processes', async () => {
    const t = freshUser();
    const c1 = layer();
    const c2 = layer();
    const keys = await Promise.all([...Array.from({ length: 10 }, () => c1.keyring.current(t)), c2.keyring.current(t), c2.keyring.current(t)]);
    expect(new Set(keys.map((k) => k.version))).toEqual(new Set([1]));
    expect(await c1.keyring.versions(t)).toEqual([1]);
    expect(c1.keyring.stats().generateDataKey).toBeLessThanOrEqual(1);
    // both containers hold the same key: each reads what the other wrote
    await c1.repo.create(t, SecretEntity, 'TSECRET#1', { label: 'l', value: 'from c1' });
    await c2.repo.create(t, SecretEntity, 'TSECRET#2', { label: 'l', value: 'from c2' });
    expect((await c2.repo.get(t, SecretEntity, 'TSECRET#1'))?.value).toBe('from c1');
    expect((await c1.repo.get(t, SecretEntity, 'TSECRET#2'))?.value).toBe('from c2');
  });
});

describe('DEK rotation and re-encryption', () => {
  it('rotates (audited), keeps old versions readable, and re-encrypts every item to the newest version', async () => {
    const t = freshUser();
    for (let i = 0; i < 30; i++) {
      await dl.repo.create(t, SecretEntity, `TSECRET#${String(i).padStart(3, '0')}`, { label: 'l', value: `s${i}`, note: { a: i, b: [] } });
    }
    await dl.repo.create(t, AccountEntity, 'TACCOUNT#profile', { emailIndex: 'x', email: 'rot@example.com' });
    const v2 = await rotateTenantKey({ keyring: dl.keyring, audit: dl.audit }, t, { actor: tenantKey(t), requestId: 'req-rot', retentionDays: 30 });
    expect(v2).toBe(2);
    expect(await dl.keyring.versions(t)).toEqual([1, 2]);

    // new writes use v2; old v1 items still read
    await dl.repo.create(t, SecretEntity, 'TSECRET#new', { label: 'l', value: 'after' });
    const raw0 = await partition(mainTable(), tenantPk(t));
    expect(sealedVersion(raw0.find((i) => i.sk === 'TSECRET#new')!.value as string)).toBe(2);
    expect(sealedVersion(raw0.find((i) => i.sk === 'TSECRET#000')!.value as string)).toBe(1);
    expect((await layer().repo.get(t, SecretEntity, 'TSECRET#000'))?.value).toBe('s0');

    const res = await reencryptTenant({ table: mainTable(), keyring: dl.keyring }, t, [SecretEntity, AccountEntity]);
    expect(res).toMatchObject({ toVersion: 2, rewrittenItems: 31, rewrittenFields: 61, unknownEntities: [] });
    const raw = await partition(mainTable(), tenantPk(t));
    for (const item of raw.filter((i) => i._e === 'test-secret' || i._e === 'test-account')) {
      for (const a of ['value', 'note', 'email']) if (typeof item[a] === 'string') expect(sealedVersion(item[a] as string)).toBe(2);
    }
    // re-encryption is invisible to optimistic concurrency (version unchanged) and content is intact
    const after = await layer().repo.get(t, SecretEntity, 'TSECRET#007');
    expect(after).toMatchObject({ value: 's7', note: { a: 7, b: [] }, version: 1 });
    // idempotent
    expect((await reencryptTenant({ table: mainTable(), keyring: dl.keyring }, t, [SecretEntity, AccountEntity])).rewrittenItems).toBe(0);
    // audited
    const events = await dl.audit.list(t);
    expect(events.items[0]).toMatchObject({ type: 'crypto.dek.rotated', metadata: { version: 2 }, requestId: 'req-rot' });
    expect((await dl.audit.verify(t)).ok).toBe(true);
    // unknown entities are reported, not silently left behind
    const partial = await reencryptTenant({ table: mainTable(), keyring: dl.keyring }, t, [SecretEntity]);
    expect(partial.unknownEntities).toEqual(['test-account']);
  });
});

describe('crypto-shredding', () => {
  it('deleting the key records makes a raw copy of the data unreadable', async () => {
    const t = freshUser();
    for (let i = 0; i < 5; i++) await dl.repo.create(t, SecretEntity, `TSECRET#${i}`, { label: 'l', value: `shred-me-${i}` });
    await dl.keyring.rotate(t);
    await dl.repo.create(t, SecretEntity, 'TSECRET#v2', { label: 'l', value: 'shred-me-v2' });

    const copy = await scratchTable();
    try {
      await putRaw(copy, await partition(mainTable(), tenantPk(t)));
      // the copy is complete: a fresh container reads it while the key records exist
      const before = await layer(copy).repo.query(t, SecretEntity);
      expect(before.items.map((i) => i.value).sort()).toEqual(['shred-me-0', 'shred-me-1', 'shred-me-2', 'shred-me-3', 'shred-me-4', 'shred-me-v2']);

      // shred in the copy: only the key records go, the ciphertext stays
      expect(await layer(copy).keyring.shred(t)).toBe(2);
      const rawAfter = await partition(copy, tenantPk(t));
      expect(rawAfter.filter((i) => i._e === 'test-secret')).toHaveLength(6);
      expect(rawAfter.filter((i) => i._e === 'dek')).toHaveLength(0);
      await expect(layer(copy).repo.get(t, SecretEntity, 'TSECRET#0')).rejects.toBeInstanceOf(KeyNotFoundError);
      await expect(layer(copy).repo.get(t, SecretEntity, 'TSECRET#v2')).rejects.toBeInstanceOf(KeyNotFoundError);
      expect(JSON.stringify(rawAfter)).not.toContain('shred-me');
    } finally {
      await copy.drop();
    }

    // and in the live table, through the warm keyring that had the keys cached
    await dl.keyring.shred(t);
    await expect(dl.repo.get(t, SecretEntity, 'TSECRET#1')).rejects.toBeInstanceOf(KeyNotFoundError);
  });
});
