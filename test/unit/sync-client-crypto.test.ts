/**
 * The reference client's crypto (clients/sync/crypto.ts): the master key wrapped under Argon2id,
 * AES-256-GCM records with a fresh nonce each and AAD binding type and id.
 */
import { DEFAULT_KDF, historyRecordId, keyIdOf, newMasterKey, openRecord, readWrappedKey, RecordIntegrityError, sealRecord, unwrapMasterKey, wrapMasterKey, WrongPassphraseError } from '../../clients/sync/crypto';

/** Small Argon2id parameters keep the suite fast; the defaults are checked separately. */
const FAST = { alg: 'argon2id', m: 1024, t: 1, p: 1 } as const;

describe('the wrapped master key', () => {
  it('unwraps with the passphrase, stores the Argon2id parameters and salt, never the key', async () => {
    const key = newMasterKey();
    const blob = await wrapMasterKey(key, 'correct horse battery staple', FAST);
    const doc = readWrappedKey(blob);
    expect(doc.kdf).toEqual({ ...FAST, salt: expect.any(String) });
    expect(Buffer.from(doc.kdf.salt, 'base64')).toHaveLength(16);
    const raw = Buffer.from(blob, 'base64').toString('utf8');
    for (const form of [key.toString('base64'), key.toString('hex'), key.toString('base64url')]) expect(raw).not.toContain(form);
    expect((await unwrapMasterKey(blob, 'correct horse battery staple')).equals(key)).toBe(true);
  });

  it('refuses a wrong passphrase', async () => {
    const blob = await wrapMasterKey(newMasterKey(), 'right', FAST);
    await expect(unwrapMasterKey(blob, 'wrong')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('re-wrapping the same key under a new passphrase keeps its key id; the old passphrase no longer opens the new blob', async () => {
    const key = newMasterKey();
    const first = await wrapMasterKey(key, 'old', FAST);
    const second = await wrapMasterKey(key, 'new', FAST);
    expect(readWrappedKey(second).keyId).toBe(readWrappedKey(first).keyId);
    expect(readWrappedKey(second).keyId).toBe(keyIdOf(key));
    expect(readWrappedKey(second).kdf.salt).not.toBe(readWrappedKey(first).kdf.salt);
    await expect(unwrapMasterKey(second, 'old')).rejects.toBeInstanceOf(WrongPassphraseError);
    expect((await unwrapMasterKey(second, 'new')).equals(key)).toBe(true);
  });

  it('defaults to RFC 9106’s second recommended option (64 MiB, t = 3, p = 4)', () => {
    expect(DEFAULT_KDF).toEqual({ alg: 'argon2id', m: 65_536, t: 3, p: 4 });
  });
});

describe('records', () => {
  const key = newMasterKey();
  const value = { API_URL: 'https://example.test', nested: { a: [1, 2] } };

  it('round-trips, with a fresh 96-bit nonce each time', () => {
    const a = sealRecord(key, 'environment', 'dev', value);
    const b = sealRecord(key, 'environment', 'dev', value);
    expect(a).not.toBe(b);
    const nonce = (blob: string) => Buffer.from(blob, 'base64').subarray(1, 13).toString('hex');
    expect(nonce(a)).not.toBe(nonce(b));
    expect(Buffer.from(a, 'base64')).toHaveLength(1 + 12 + JSON.stringify(value).length + 16);
    expect(openRecord(key, 'environment', 'dev', a)).toEqual(value);
  });

  it.each([
    ['another id', 'environment', 'prod'],
    ['another type', 'secret', 'dev'],
  ])('does not open under %s (AAD binds type and id)', (_name, type, id) => {
    const blob = sealRecord(key, 'environment', 'dev', value);
    expect(() => openRecord(key, type, id, blob)).toThrow(RecordIntegrityError);
  });

  it('binds a history record to its device log and idx', () => {
    const blob = sealRecord(key, 'history', historyRecordId('devA', 7), { cmd: 'ls' });
    expect(openRecord(key, 'history', historyRecordId('devA', 7), blob)).toEqual({ cmd: 'ls' });
    expect(() => openRecord(key, 'history', historyRecordId('devA', 8), blob)).toThrow(RecordIntegrityError);
    expect(() => openRecord(key, 'history', historyRecordId('devB', 7), blob)).toThrow(RecordIntegrityError);
  });

  it('detects a flipped bit, and another key', () => {
    const bytes = Buffer.from(sealRecord(key, 'setting', 'ui', value), 'base64');
    bytes[20] ^= 1;
    expect(() => openRecord(key, 'setting', 'ui', bytes.toString('base64'))).toThrow(RecordIntegrityError);
    expect(() => openRecord(newMasterKey(), 'setting', 'ui', sealRecord(key, 'setting', 'ui', value))).toThrow(RecordIntegrityError);
  });
});
