/**
 * The reference client's end-to-end encryption (issue 16 item 8). Nothing here ever reaches
 * the server in the clear: the server stores the wrapped master key and record ciphertexts
 * as opaque blobs.
 *
 *   master key      32 random bytes, made once by the first device
 *   wrapping key    Argon2id(passphrase, salt) — RFC 9106 §4 second recommended option
 *                   (m = 64 MiB, t = 3, p = 4); the parameters and salt travel with the wrapped key
 *   wrapped key     AES-256-GCM(wrapping key, master key), AAD = WRAP_AAD, plus a key id
 *                   (HMAC of the master key) so a device can tell "same key, new passphrase"
 *   a record        AES-256-GCM(master key, JSON), a fresh 96-bit nonce per record (NIST
 *                   SP 800-38D §8.2.2 random IV), AAD = format | type | id, so a blob moved to
 *                   another item or type fails to open
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { argon2id } from 'hash-wasm';

export const MASTER_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** First byte of every sealed record: lets a later format coexist. */
const RECORD_FORMAT = 1;
const RECORD_AAD_PREFIX = 'flarevault-sync-record/v1';
const WRAP_AAD = Buffer.from('flarevault-sync-wrapped-key/v1');

export interface KdfParams {
  readonly alg: 'argon2id';
  /** Memory in KiB. */
  readonly m: number;
  readonly t: number;
  readonly p: number;
  /** base64, 16 random bytes. */
  readonly salt: string;
}

/** RFC 9106 §4: "If much less memory is available, … t=3 iterations, p=4 lanes, m=2^(16) (64 MiB of RAM)". */
export const DEFAULT_KDF: Omit<KdfParams, 'salt'> = { alg: 'argon2id', m: 65_536, t: 3, p: 4 };

/** What PUT /sync/key stores (base64 of this JSON): opaque to the server. */
export interface WrappedKeyDocument {
  readonly format: 'flarevault-sync-wrapped-key/v1';
  readonly kdf: KdfParams;
  /** base64: nonce | ciphertext | tag. */
  readonly sealed: string;
  /** Identifies the master key without revealing it (HMAC-SHA-256 of a constant, 16 bytes hex). */
  readonly keyId: string;
}

export class WrongPassphraseError extends Error {
  constructor() {
    super('The passphrase does not unwrap the stored master key');
    this.name = 'WrongPassphraseError';
  }
}

export class RecordIntegrityError extends Error {
  constructor(type: string, id: string) {
    super(`The ${type} record ${id} does not open with the master key (tampered, moved, or sealed under another key)`);
    this.name = 'RecordIntegrityError';
  }
}

export const newMasterKey = (): Buffer => randomBytes(MASTER_KEY_BYTES);

export const keyIdOf = (masterKey: Buffer): string => createHmac('sha256', masterKey).update('flarevault-sync key id').digest('hex').slice(0, 32);

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** The plaintext, or undefined when the tag does not verify. */
function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer | undefined {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

async function wrappingKey(passphrase: string, kdf: KdfParams): Promise<Buffer> {
  if (kdf.alg !== 'argon2id') throw new Error(`unknown key derivation ${kdf.alg}`);
  const out = await argon2id({ password: passphrase.normalize('NFC'), salt: Buffer.from(kdf.salt, 'base64'), iterations: kdf.t, parallelism: kdf.p, memorySize: kdf.m, hashLength: 32, outputType: 'binary' });
  return Buffer.from(out);
}

/** The blob PUT /sync/key stores: the master key sealed under a key derived from the passphrase. */
export async function wrapMasterKey(masterKey: Buffer, passphrase: string, params: Omit<KdfParams, 'salt'> = DEFAULT_KDF): Promise<string> {
  if (masterKey.length !== MASTER_KEY_BYTES) throw new Error('a master key is 32 bytes');
  if (!passphrase) throw new Error('a passphrase is required');
  const kdf: KdfParams = { ...params, salt: randomBytes(16).toString('base64') };
  const doc: WrappedKeyDocument = {
    format: 'flarevault-sync-wrapped-key/v1',
    kdf,
    sealed: seal(await wrappingKey(passphrase, kdf), masterKey, WRAP_AAD).toString('base64'),
    keyId: keyIdOf(masterKey),
  };
  return Buffer.from(JSON.stringify(doc)).toString('base64');
}

export function readWrappedKey(blob: string): WrappedKeyDocument {
  const doc = JSON.parse(Buffer.from(blob, 'base64').toString('utf8')) as WrappedKeyDocument;
  if (doc?.format !== 'flarevault-sync-wrapped-key/v1' || typeof doc.sealed !== 'string' || typeof doc.keyId !== 'string') {
    throw new Error('the stored key is not a flarevault wrapped key');
  }
  return doc;
}

export async function unwrapMasterKey(blob: string, passphrase: string): Promise<Buffer> {
  const doc = readWrappedKey(blob);
  const key = open(await wrappingKey(passphrase, doc.kdf), Buffer.from(doc.sealed, 'base64'), WRAP_AAD);
  if (!key || key.length !== MASTER_KEY_BYTES || !timingSafeEqual(Buffer.from(keyIdOf(key)), Buffer.from(doc.keyId))) throw new WrongPassphraseError();
  return key;
}

const recordAad = (type: string, id: string) => Buffer.from([RECORD_AAD_PREFIX, type, id].join('\u0000'));

/** History records are bound to their device log and index; snapshots to their id. */
export const historyRecordId = (deviceId: string, idx: number) => `${deviceId}#${idx}`;

/** A record's blob (base64): format byte | nonce | ciphertext | tag. */
export function sealRecord(masterKey: Buffer, type: string, id: string, value: unknown): string {
  const sealed = seal(masterKey, Buffer.from(JSON.stringify(value), 'utf8'), recordAad(type, id));
  return Buffer.concat([Buffer.from([RECORD_FORMAT]), sealed]).toString('base64');
}

export function openRecord<T = unknown>(masterKey: Buffer, type: string, id: string, blob: string): T {
  const bytes = Buffer.from(blob, 'base64');
  const plain = bytes[0] === RECORD_FORMAT ? open(masterKey, bytes.subarray(1), recordAad(type, id)) : undefined;
  if (!plain) throw new RecordIntegrityError(type, id);
  return JSON.parse(plain.toString('utf8')) as T;
}
