/**
 * Blind index: keyed HMAC-SHA-256 for exact-match lookups of sensitive values
 * (emails first), so the table never holds the value itself.
 *
 * One 32-byte index key for the whole deployment, made by KMS GenerateDataKey
 * with EncryptionContext `{ purpose: 'blind-index' }` and stored only wrapped:
 *
 *     pk = SYS#blind-index   sk = KEY#000001   wrapped: Binary
 *
 * Per-purpose subkeys are derived with HKDF-SHA-256 (info `flarevault/bi/<purpose>`),
 * so an email index can never equal a token index of the same string. The
 * cursor MAC key is derived from the same root (info `flarevault/cursor/v1`).
 * The unwrapped root is kept for the container's life (one KMS call per container).
 *
 * Public API:
 *   interface BlindIndexer {
 *     blindIndex(purpose: BlindPurpose, value: string): Promise<string>   // base64url, 43 chars
 *     derivedKey(info: string): Promise<KeyObject>                        // e.g. cursor MAC key
 *     stats(): { kmsCalls: number }
 *   }
 *   createBlindIndexer({ table, wrapper }): BlindIndexer
 *   normaliseForIndex(purpose, value): string     // email: NFC, trim, lower-case
 */
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, type TableRef } from '../aws/table';
import type { KeyWrapper } from './kms';

/**
 * `vault-key`: a vault key's name within its subject (vault/sealing.ts), exact. `passkey-id`: a WebAuthn
 * credential id (base64url), exact. `oidc-subject`: an OpenID provider's issuer and subject, exact.
 * `oidc-flow`: the PKCE verifier and nonce of a sign-in, derived from its state (identity/oidc-flow.ts).
 */
export type BlindPurpose = 'email' | 'username' | 'exact' | 'vault-key' | 'passkey-id' | 'oidc-subject' | 'oidc-flow';

export const BLIND_INDEX_KEY = { pk: 'SYS#blind-index', sk: 'KEY#000001' } as const;
export const BLIND_INDEX_CONTEXT = { purpose: 'blind-index' } as const;

export function normaliseForIndex(purpose: BlindPurpose, value: string): string {
  switch (purpose) {
    case 'email':
    case 'username':
      return value.normalize('NFC').trim().toLowerCase();
    case 'exact':
    case 'vault-key':
    case 'passkey-id':
    case 'oidc-subject':
    case 'oidc-flow':
      return value;
  }
}

export interface BlindIndexer {
  blindIndex(purpose: BlindPurpose, value: string): Promise<string>;
  derivedKey(info: string): Promise<KeyObject>;
  stats(): { kmsCalls: number };
}

export function createBlindIndexer(opts: { table: TableRef; wrapper: KeyWrapper }): BlindIndexer {
  const { table, wrapper } = opts;
  let root: Promise<Buffer> | undefined;
  const derived = new Map<string, KeyObject>();
  let kmsCalls = 0;

  async function loadRoot(): Promise<Buffer> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const got = await table.doc.send(new GetCommand({ TableName: table.name, Key: BLIND_INDEX_KEY, ConsistentRead: true }));
      if (got.Item) {
        kmsCalls++;
        return wrapper.unwrap(got.Item.wrapped as Uint8Array, BLIND_INDEX_CONTEXT);
      }
      kmsCalls++;
      const { plaintext, wrapped, keyId } = await wrapper.generate(BLIND_INDEX_CONTEXT);
      try {
        await table.doc.send(
          new PutCommand({
            TableName: table.name,
            Item: { ...BLIND_INDEX_KEY, _e: 'blind-index-key', wrapped, cmk: keyId, createdAt: new Date().toISOString() },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return plaintext;
      } catch (err) {
        plaintext.fill(0);
        if (!isConditionalCheckFailed(err)) throw err;
      }
    }
    throw new Error('blind index: could not establish the index key');
  }

  async function derivedKey(info: string): Promise<KeyObject> {
    const hit = derived.get(info);
    if (hit) return hit;
    root ??= loadRoot().catch((e) => {
      root = undefined;
      throw e;
    });
    const ikm = await root;
    const k = createSecretKey(Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, 32)));
    derived.set(info, k);
    return k;
  }

  return {
    async blindIndex(purpose, value) {
      const key = await derivedKey(`flarevault/bi/${purpose}`);
      return createHmac('sha256', key).update(normaliseForIndex(purpose, value), 'utf8').digest('base64url');
    },
    derivedKey,
    stats: () => ({ kmsCalls }),
  };
}
