/**
 * A small KMS-compatible endpoint (AWS JSON 1.1, `TrentService.*`) for the local
 * runtime. It speaks just enough of KMS for `@aws-sdk/client-kms` pointed at it
 * through `AWS_ENDPOINT_URL_KMS`: GenerateDataKey(WithoutPlaintext), Encrypt,
 * Decrypt, DescribeKey.
 *
 * One symmetric "CMK": a 32-byte master key, created once under
 * `.flarevault/kms-master.key` (mode 0600) or kept in memory (tests).
 * A ciphertext blob is
 *
 *   "FVK1" | len(keyId) (1 byte) | keyId (utf8) | iv (12) | tag (16) | AES-256-GCM ciphertext
 *
 * with the canonical EncryptionContext (sorted keys, JSON) as AAD, so Decrypt
 * with a different context fails exactly like KMS: 400 InvalidCiphertextException.
 * Requests are SigV4-signed by the SDK; any credentials are accepted.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_KMS_ALIAS = 'alias/flarevault-local';
const MAGIC = Buffer.from('FVK1');
const MAX_BODY = 1024 * 1024;

export interface KmsOptions {
  /** File holding the 32-byte master key; created (0600) if missing. Omit for an in-memory key. */
  masterKeyFile?: string;
  port?: number;
  host?: string;
  region?: string;
}

export interface LocalKms {
  readonly url: string;
  readonly port: number;
  /** Full key ARN; put it in KMS_KEY_ID. */
  readonly keyArn: string;
  /** Bare key id (uuid form). */
  readonly keyId: string;
  stop(): Promise<void>;
}

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function loadOrCreateMasterKey(file?: string): Buffer {
  if (!file) return randomBytes(32);
  if (existsSync(file)) {
    const key = readFileSync(file);
    if (key.length !== 32) throw new Error(`flarevault: ${file} must hold exactly 32 bytes (found ${key.length}); delete it to create a new key (existing data becomes unreadable)`);
    return key;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

/** Deterministic uuid-shaped key id derived from the master key: a different key file → a different key id. */
function keyIdFor(master: Buffer): string {
  const h = createHash('sha256').update('flarevault-local-kms-key-id').update(master).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Canonical AAD for an EncryptionContext: sorted keys, JSON. Empty / missing context are the same. */
export function canonicalContext(ctx: unknown): Buffer {
  if (ctx === undefined || ctx === null) return Buffer.alloc(0);
  if (typeof ctx !== 'object' || Array.isArray(ctx)) throw new KmsError('ValidationException', 'EncryptionContext must be a map of strings');
  const entries = Object.entries(ctx as Record<string, unknown>);
  for (const [, v] of entries) if (typeof v !== 'string') throw new KmsError('ValidationException', 'EncryptionContext values must be strings');
  if (entries.length === 0) return Buffer.alloc(0);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

function b64(field: string, v: unknown): Buffer {
  if (typeof v !== 'string' || v.length === 0) throw new KmsError('ValidationException', `${field} is required`);
  return Buffer.from(v, 'base64');
}

export function createKmsService(master: Buffer, region = 'us-east-1') {
  const keyId = keyIdFor(master);
  const keyArn = `arn:aws:kms:${region}:${LOCAL_ACCOUNT_ID}:key/${keyId}`;
  const aliasArn = `arn:aws:kms:${region}:${LOCAL_ACCOUNT_ID}:${LOCAL_KMS_ALIAS}`;
  const createdAt = Math.floor(Date.now() / 1000);

  function resolveKey(id: unknown): void {
    if (typeof id !== 'string' || id.length === 0) throw new KmsError('ValidationException', 'KeyId is required');
    if (id === keyId || id === keyArn || id === LOCAL_KMS_ALIAS || id === aliasArn) return;
    throw new KmsError('NotFoundException', `Key '${id}' does not exist`);
  }

  function seal(plaintext: Buffer, ctx: unknown): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv);
    cipher.setAAD(canonicalContext(ctx));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const id = Buffer.from(keyId, 'utf8');
    return Buffer.concat([MAGIC, Buffer.from([id.length]), id, iv, cipher.getAuthTag(), ct]);
  }

  function open(blob: Buffer, ctx: unknown): Buffer {
    const invalid = () => new KmsError('InvalidCiphertextException', 'The ciphertext is invalid or was encrypted under a different encryption context');
    if (blob.length < 5 + 12 + 16 || !blob.subarray(0, 4).equals(MAGIC)) throw invalid();
    const idLen = blob[4]!;
    const id = blob.subarray(5, 5 + idLen).toString('utf8');
    if (id !== keyId) throw invalid();
    const p = 5 + idLen;
    const iv = blob.subarray(p, p + 12);
    const tag = blob.subarray(p + 12, p + 28);
    if (tag.length !== 16) throw invalid();
    try {
      const d = createDecipheriv('aes-256-gcm', master, iv);
      d.setAAD(canonicalContext(ctx));
      d.setAuthTag(tag);
      return Buffer.concat([d.update(blob.subarray(p + 28)), d.final()]);
    } catch {
      throw invalid();
    }
  }

  function dataKeyBytes(req: Record<string, unknown>): number {
    if (req.NumberOfBytes !== undefined) {
      const n = req.NumberOfBytes;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024) throw new KmsError('ValidationException', 'NumberOfBytes must be an integer between 1 and 1024');
      if (req.KeySpec !== undefined) throw new KmsError('ValidationException', 'Specify either KeySpec or NumberOfBytes, not both');
      return n;
    }
    if (req.KeySpec === 'AES_256') return 32;
    if (req.KeySpec === 'AES_128') return 16;
    throw new KmsError('ValidationException', 'KeySpec must be AES_256 or AES_128 (or give NumberOfBytes)');
  }

  const ops: Record<string, (req: Record<string, unknown>) => unknown> = {
    GenerateDataKey(req) {
      resolveKey(req.KeyId);
      const pt = randomBytes(dataKeyBytes(req));
      return { KeyId: keyArn, CiphertextBlob: seal(pt, req.EncryptionContext).toString('base64'), Plaintext: pt.toString('base64') };
    },
    GenerateDataKeyWithoutPlaintext(req) {
      resolveKey(req.KeyId);
      const pt = randomBytes(dataKeyBytes(req));
      return { KeyId: keyArn, CiphertextBlob: seal(pt, req.EncryptionContext).toString('base64') };
    },
    Encrypt(req) {
      resolveKey(req.KeyId);
      const pt = b64('Plaintext', req.Plaintext);
      if (pt.length > 4096) throw new KmsError('ValidationException', 'Plaintext must be at most 4096 bytes');
      return { KeyId: keyArn, CiphertextBlob: seal(pt, req.EncryptionContext).toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    Decrypt(req) {
      if (req.KeyId !== undefined) {
        resolveKey(req.KeyId);
      }
      const pt = open(b64('CiphertextBlob', req.CiphertextBlob), req.EncryptionContext);
      return { KeyId: keyArn, Plaintext: pt.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    DescribeKey(req) {
      resolveKey(req.KeyId);
      return {
        KeyMetadata: {
          AWSAccountId: LOCAL_ACCOUNT_ID,
          KeyId: keyId,
          Arn: keyArn,
          CreationDate: createdAt,
          Enabled: true,
          Description: 'flarevault local CMK',
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeyState: 'Enabled',
          Origin: 'AWS_KMS',
          KeyManager: 'CUSTOMER',
          CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
          KeySpec: 'SYMMETRIC_DEFAULT',
          EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
          MultiRegion: false,
        },
      };
    },
  };

  /** Runs one `TrentService.<op>` call; throws KmsError for client errors. */
  function call(target: string, req: Record<string, unknown>): unknown {
    const op = target.startsWith('TrentService.') ? ops[target.slice('TrentService.'.length)] : undefined;
    if (!op) throw new KmsError('UnknownOperationException', `Unsupported operation ${target || '(none)'}`);
    return op(req);
  }

  return { keyId, keyArn, call };
}

export async function startKms(options: KmsOptions = {}): Promise<LocalKms> {
  const service = createKmsService(loadOrCreateMasterKey(options.masterKeyFile), options.region);
  const server: Server = createServer((req, res) => handle(req, res));

  function send(res: ServerResponse, status: number, body: unknown, errType?: string): void {
    const payload = JSON.stringify(body);
    const headers: Record<string, string | number> = {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': cryptoRandomId(),
    };
    if (errType) headers['x-amzn-errortype'] = errType;
    res.writeHead(status, headers).end(payload);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        send(res, 413, { __type: 'ValidationException', message: 'Request too large' }, 'ValidationException');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      try {
        if (req.method !== 'POST') throw new KmsError('UnknownOperationException', 'KMS accepts POST only');
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = raw ? JSON.parse(raw) : {};
        } catch {
          throw new KmsError('SerializationException', 'Request body is not valid JSON');
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new KmsError('SerializationException', 'Request body must be a JSON object');
        const target = String(req.headers['x-amz-target'] ?? '');
        send(res, 200, service.call(target, body as Record<string, unknown>));
      } catch (e) {
        if (e instanceof KmsError) send(res, e.status, { __type: e.type, message: e.message }, e.type);
        else send(res, 500, { __type: 'KMSInternalException', message: (e as Error).message }, 'KMSInternalException');
      }
    });
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    keyArn: service.keyArn,
    keyId: service.keyId,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function cryptoRandomId(): string {
  return randomBytes(16).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}
