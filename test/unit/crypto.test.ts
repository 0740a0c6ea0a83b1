/**
 * Unit tests for the crypto primitives and formats (no emulators):
 * NIST AES-256-GCM vectors, RFC 4231 HMAC-SHA-256, SHA-256, RFC 5869 HKDF,
 * the fv1 field format and every tamper case, cursors, the TTL LRU.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import { DecryptionError } from '../../functions/crypto/errors';
import { isSealed, openField, sealField, sealedVersion, type DataKey, type FieldContext } from '../../functions/crypto/field';
import { normaliseForIndex } from '../../functions/crypto/blind-index';
import { TtlLru } from '../../functions/crypto/lru';
import { parseTenantKey, tenantKey, tenantPk, userTenant, workspaceTenant, type Tenant } from '../../functions/tenancy/tenant';
import { createCursorCodec } from '../../functions/crypto/cursor';
import { InvalidCursorError } from '../../functions/crypto/errors';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('AES-256-GCM known answers (GCM spec test cases 13-16, 96-bit IV)', () => {
  const K15 = 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308';
  const P15 =
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
  const C15 =
    '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad';
  const cases = [
    { name: 'TC13', k: '00'.repeat(32), iv: '00'.repeat(12), p: '', a: '', c: '', t: '530f8afbc74536b9a963b4f1c4cb738b' },
    {
      name: 'TC14',
      k: '00'.repeat(32),
      iv: '00'.repeat(12),
      p: '00'.repeat(16),
      a: '',
      c: 'cea7403d4d606b6e074ec5d3baf39d18',
      t: 'd0d1c8a799996bf0265b98b5d48ab919',
    },
    { name: 'TC15', k: K15, iv: 'cafebabefacedbaddecaf888', p: P15, a: '', c: C15, t: 'b094dac5d93471bdec1a502270e3cc6c' },
    {
      name: 'TC16 (with AAD)',
      k: K15,
      iv: 'cafebabefacedbaddecaf888',
      p: P15.slice(0, 120),
      a: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
      c: C15.slice(0, 120),
      t: '76fc6ece0f4e1768cddf8853bb2d551b',
    },
  ];
  it.each(cases)('$name encrypts and decrypts', ({ k, iv, p, a, c, t }) => {
    const enc = createCipheriv('aes-256-gcm', hex(k), hex(iv));
    enc.setAAD(hex(a));
    const ct = Buffer.concat([enc.update(hex(p)), enc.final()]);
    expect(ct.toString('hex')).toBe(c);
    expect(enc.getAuthTag().toString('hex')).toBe(t);
    const dec = createDecipheriv('aes-256-gcm', hex(k), hex(iv));
    dec.setAAD(hex(a));
    dec.setAuthTag(hex(t));
    expect(Buffer.concat([dec.update(hex(c)), dec.final()]).toString('hex')).toBe(p);
  });
});

describe('HMAC-SHA-256 (RFC 4231)', () => {
  it.each([
    { name: 'TC1', key: '0b'.repeat(20), data: Buffer.from('Hi There'), mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
    {
      name: 'TC2',
      key: Buffer.from('Jefe').toString('hex'),
      data: Buffer.from('what do ya want for nothing?'),
      mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    },
    { name: 'TC3', key: 'aa'.repeat(20), data: hex('dd'.repeat(50)), mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe' },
    {
      name: 'TC6',
      key: 'aa'.repeat(131),
      data: Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
      mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    },
  ])('$name', ({ key, data, mac }) => {
    expect(createHmac('sha256', hex(key)).update(data).digest('hex')).toBe(mac);
  });
});

describe('SHA-256 and HKDF known answers', () => {
  it('SHA-256("abc") and SHA-256("")', () => {
    expect(createHash('sha256').update('abc').digest('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(createHash('sha256').update('').digest('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('HKDF-SHA-256 (RFC 5869 test case 1)', () => {
    const okm = Buffer.from(hkdfSync('sha256', hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42));
    expect(okm.toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
});

describe('tenant', () => {
  it('builds keys and refuses ids that could break key parsing', () => {
    const t = userTenant('u_123');
    expect(tenantKey(t)).toBe('user#u_123');
    expect(tenantPk(workspaceTenant('w1'))).toBe('T#workspace#w1');
    expect(parseTenantKey('user#u_123')).toEqual(t);
    expect(() => userTenant('a#b')).toThrow(TypeError);
    expect(() => userTenant('')).toThrow(TypeError);
    expect(() => parseTenantKey('admin#x')).toThrow(TypeError);
  });
  it('is a branded type (a plain object is a type error)', () => {
    // @ts-expect-error a plain object is not a Tenant: only userTenant()/workspaceTenant() make one
    const forged: Tenant = { kind: 'user', id: 'x' };
    expect(forged.id).toBe('x');
  });
});

describe('field encryption (fv1)', () => {
  const dek = (version: number): DataKey => ({ version, key: createSecretKey(randomBytes(32)) });
  const k1 = dek(1);
  const alice = userTenant('alice');
  const ctx: FieldContext = { tenant: alice, pk: tenantPk(alice), sk: 'VAULT#k1', attribute: 'value' };

  it('round-trips text and bytes, with a fresh IV each time', () => {
    const a = sealField(k1, ctx, 'hello ✓');
    const b = sealField(k1, ctx, 'hello ✓');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^fv1\.1\.[A-Za-z0-9_-]+$/);
    expect(isSealed(a)).toBe(true);
    expect(sealedVersion(a)).toBe(1);
    expect(openField(k1, ctx, a).toString('utf8')).toBe('hello ✓');
    const bytes = randomBytes(1000);
    expect(openField(k1, ctx, sealField(k1, ctx, bytes)).equals(bytes)).toBe(true);
    expect(openField(k1, ctx, sealField(k1, ctx, '')).length).toBe(0);
    // 12-byte IV + 16-byte tag around the ciphertext
    expect(Buffer.from(a.split('.')[2]!, 'base64url').length).toBe(12 + Buffer.byteLength('hello ✓') + 16);
  });

  const sealed = sealField(k1, ctx, 'top secret');
  const flip = (s: string, byteIndex: number) => {
    const [p, v, body] = s.split('.');
    const raw = Buffer.from(body!, 'base64url');
    raw[byteIndex === -1 ? raw.length - 1 : byteIndex]! ^= 0x01;
    return `${p}.${v}.${raw.toString('base64url')}`;
  };
  const bob = userTenant('bob');
  const tampers: [string, () => Buffer][] = [
    ['moved to another attribute', () => openField(k1, { ...ctx, attribute: 'label' }, sealed)],
    ['moved to another item (sk)', () => openField(k1, { ...ctx, sk: 'VAULT#k2' }, sealed)],
    ['moved to another partition (pk)', () => openField(k1, { ...ctx, pk: 'T#user#other' }, sealed)],
    ['moved to another tenant', () => openField(k1, { ...ctx, tenant: bob, pk: tenantPk(bob) }, sealed)],
    ['same tenant kind but workspace', () => openField(k1, { ...ctx, tenant: workspaceTenant('alice') }, sealed)],
    ['IV bit flipped', () => openField(k1, ctx, flip(sealed, 0))],
    ['ciphertext bit flipped', () => openField(k1, ctx, flip(sealed, 13))],
    ['tag bit flipped', () => openField(k1, ctx, flip(sealed, -1))],
    ['truncated', () => openField(k1, ctx, sealed.slice(0, -4))],
    ['relabelled DEK version', () => openField({ ...k1, version: 2 }, ctx, sealed.replace(/^fv1\.1\./, 'fv1.2.'))],
    ['wrong key', () => openField(dek(1), ctx, sealed)],
    ['version mismatch with given key', () => openField(dek(2), ctx, sealed)],
    ['unknown scheme', () => openField(k1, ctx, sealed.replace(/^fv1/, 'fv9'))],
    ['not a ciphertext', () => openField(k1, ctx, 'top secret')],
    ['too short', () => openField(k1, ctx, 'fv1.1.AAAA')],
  ];
  it.each(tampers)('%s → DecryptionError without plaintext', (_name, attempt) => {
    let err: unknown;
    try {
      attempt();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DecryptionError);
    const e = err as DecryptionError;
    expect(e.message).not.toContain('top secret');
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain('top secret');
  });
});

describe('blind index normalisation', () => {
  it('lower-cases and trims emails, keeps exact values', () => {
    expect(normaliseForIndex('email', '  Alice@Example.COM ')).toBe('alice@example.com');
    expect(normaliseForIndex('exact', ' A ')).toBe(' A ');
  });
});

describe('cursor codec', () => {
  const key = createSecretKey(randomBytes(32));
  const codec = createCursorCodec(async () => key);
  const a = userTenant('a');
  const b = userTenant('b');
  const lek = { pk: tenantPk(a), sk: 'VAULT#0042' };

  it('round-trips for the same tenant and query', async () => {
    const c = await codec.encode(a, 'q1', lek);
    expect(c).toMatch(/^c1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    await expect(codec.decode(a, 'q1', c)).resolves.toEqual(lek);
  });
  it('rejects another tenant, another query, and any edit', async () => {
    const c = await codec.encode(a, 'q1', lek);
    await expect(codec.decode(b, 'q1', c)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(codec.decode(a, 'q2', c)).rejects.toBeInstanceOf(InvalidCursorError);
    const [v, p, m] = c.split('.');
    const forged = Buffer.from(JSON.stringify({ pk: tenantPk(b), sk: 'VAULT#0042' })).toString('base64url');
    await expect(codec.decode(b, 'q1', `${v}.${forged}.${m}`)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(codec.decode(a, 'q1', `${v}.${p}x.${m}`)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(codec.decode(a, 'q1', 'garbage')).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(codec.decode(a, 'q1', 'c1.' + 'A'.repeat(5000) + '.x')).rejects.toBeInstanceOf(InvalidCursorError);
  });
  it('rejects a validly signed cursor whose key points outside the tenant partition', async () => {
    const c = await codec.encode(a, 'q1', { pk: tenantPk(b), sk: 'X#1' });
    await expect(codec.decode(a, 'q1', c)).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('TtlLru', () => {
  it('expires entries after the TTL on a fake clock', () => {
    let t = 0;
    const lru = new TtlLru<string>({ maxEntries: 10, ttlMs: 1000, now: () => t });
    lru.set('a', 'A');
    t = 999;
    expect(lru.get('a')).toBe('A');
    t = 1000;
    expect(lru.get('a')).toBeUndefined();
    expect(lru.size).toBe(0);
  });
  it('evicts the least recently used entry beyond maxEntries', () => {
    const evicted: unknown[] = [];
    const lru = new TtlLru<number>({ maxEntries: 2, ttlMs: 60_000, now: () => 0, onEvict: (v) => evicted.push(v) });
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a'); // a is now most recent
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(evicted).toEqual([2]);
    lru.deleteWhere((k) => k === 'a');
    expect(lru.size).toBe(1);
  });
  it('refuses nonsense bounds', () => {
    expect(() => new TtlLru({ maxEntries: 0, ttlMs: 1 })).toThrow(RangeError);
    expect(() => new TtlLru({ maxEntries: 1, ttlMs: 0 })).toThrow(RangeError);
  });
});
