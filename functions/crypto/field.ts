/**
 * Field encryption: AES-256-GCM, random 96-bit IV, 128-bit tag.
 *
 * Stored format (a DynamoDB string, safe in JSON and backups):
 *
 *     fv1.<dekVersion>.<base64url(iv[12] | ciphertext | tag[16])>
 *
 * `fv1` names the scheme (AES-256-GCM, 96-bit IV, AAD v1 below); a later
 * scheme gets `fv2` and old values stay readable. `dekVersion` is the decimal
 * version of the tenant DEK that sealed the value.
 *
 * AAD binds the value to where it lives, length-prefixed so no two contexts
 * encode the same bytes:
 *
 *     "fv1" | tenantKey | pk | sk | attribute | dekVersion     (each: u32be length + utf8)
 *
 * So a ciphertext moved to another tenant, item or attribute, relabelled with
 * another DEK version, or with any bit flipped, fails with DecryptionError.
 *
 * Public API:
 *   interface DataKey { version: number; key: KeyObject }        // 32-byte AES key
 *   interface FieldContext { tenant: Tenant; pk: string; sk: string; attribute: string }
 *   sealField(dek, ctx, plaintext: Uint8Array | string): string
 *   openField(dek, ctx, sealed: string): Buffer                    // throws DecryptionError
 *   sealedVersion(sealed: string): number                          // throws DecryptionError
 *   isSealed(value: unknown): value is string
 *   FIELD_SCHEME = 'fv1'
 */
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { DecryptionError } from './errors';
import { tenantKey, type Tenant } from '../tenancy/tenant';

export const FIELD_SCHEME = 'fv1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_RE = /^fv1\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]+)$/;

export interface DataKey {
  readonly version: number;
  /** AES-256 secret key (a KeyObject, so it never prints or serialises). */
  readonly key: KeyObject;
}

export interface FieldContext {
  readonly tenant: Tenant;
  readonly pk: string;
  readonly sk: string;
  readonly attribute: string;
}

export function fieldAad(ctx: FieldContext, version: number): Buffer {
  const parts = [FIELD_SCHEME, tenantKey(ctx.tenant), ctx.pk, ctx.sk, ctx.attribute, String(version)];
  const bufs: Buffer[] = [];
  for (const p of parts) {
    const b = Buffer.from(p, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    bufs.push(len, b);
  }
  return Buffer.concat(bufs);
}

export function sealField(dek: DataKey, ctx: FieldContext, plaintext: Uint8Array | string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dek.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(fieldAad(ctx, dek.version));
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const ct = Buffer.concat([cipher.update(data), cipher.final()]);
  const body = Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url');
  return `${FIELD_SCHEME}.${dek.version}.${body}`;
}

function parse(sealed: string, ctx?: FieldContext): { version: number; raw: Buffer } {
  const m = typeof sealed === 'string' ? SEALED_RE.exec(sealed) : null;
  if (!m) throw new DecryptionError('malformed ciphertext (not fv1)', where(ctx));
  const raw = Buffer.from(m[2]!, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new DecryptionError('malformed ciphertext (too short)', where(ctx));
  return { version: Number(m[1]), raw };
}

const where = (ctx?: FieldContext) => (ctx ? { attribute: ctx.attribute, sk: ctx.sk } : {});

export function sealedVersion(sealed: string): number {
  return parse(sealed).version;
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && SEALED_RE.test(value);
}

export function openField(dek: DataKey, ctx: FieldContext, sealed: string): Buffer {
  const { version, raw } = parse(sealed, ctx);
  if (version !== dek.version) {
    throw new DecryptionError(`ciphertext sealed with DEK v${version}, key v${dek.version} given`, where(ctx));
  }
  const iv = raw.subarray(0, IV_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  const ct = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
  try {
    const d = createDecipheriv('aes-256-gcm', dek.key, iv, { authTagLength: TAG_BYTES });
    d.setAAD(fieldAad(ctx, version));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch (cause) {
    throw new DecryptionError(
      `ciphertext failed authentication for attribute "${ctx.attribute}" (tampered, moved, or wrong key)`,
      where(ctx),
      { cause },
    );
  }
}
