/**
 * KeyWrapper port (wrap/unwrap data keys under the CMK) and its KMS adapter.
 * Every call is counted, and an optional hook sees each one (wire it to
 * Powertools Metrics: `onCall: (op) => metrics.addMetric('KmsCalls', MetricUnit.Count, 1)`).
 *
 *   interface KeyWrapper {
 *     generate(context): Promise<{ plaintext: Buffer; wrapped: Uint8Array; keyId?: string }>  // 32 bytes
 *     unwrap(wrapped, context): Promise<Buffer>          // throws DecryptionError on bad blob/context
 *     stats(): { generateDataKey: number; decrypt: number; total: number }
 *   }
 *   kmsKeyWrapper({ kms: KMSClient, keyId, onCall? }): KeyWrapper
 *   kmsKeyWrapperFromEnv(onCall?): KeyWrapper            // kms() + KMS_KEY_ID via loadEnv(['keys'])
 */
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { kms } from '../aws/client-kms';
import { loadEnv } from '../platform/env';
import { DecryptionError } from './errors';

export type EncryptionContext = Readonly<Record<string, string>>;
export type KmsOp = 'GenerateDataKey' | 'Decrypt';

export interface KmsStats {
  readonly generateDataKey: number;
  readonly decrypt: number;
  readonly total: number;
}

export interface KeyWrapper {
  generate(context: EncryptionContext): Promise<{ plaintext: Buffer; wrapped: Uint8Array; keyId?: string }>;
  unwrap(wrapped: Uint8Array, context: EncryptionContext): Promise<Buffer>;
  stats(): KmsStats;
}

export interface KmsKeyWrapperOptions {
  readonly kms: KMSClient;
  readonly keyId: string;
  readonly onCall?: (op: KmsOp) => void;
}

export function kmsKeyWrapper(opts: KmsKeyWrapperOptions): KeyWrapper {
  let gen = 0;
  let dec = 0;
  return {
    async generate(context) {
      gen++;
      opts.onCall?.('GenerateDataKey');
      const out = await opts.kms.send(
        new GenerateDataKeyCommand({ KeyId: opts.keyId, KeySpec: 'AES_256', EncryptionContext: { ...context } }),
      );
      if (!out.Plaintext || !out.CiphertextBlob || out.Plaintext.length !== 32) {
        throw new Error('KMS GenerateDataKey returned no 256-bit key');
      }
      return { plaintext: Buffer.from(out.Plaintext), wrapped: out.CiphertextBlob, keyId: out.KeyId };
    },
    async unwrap(wrapped, context) {
      dec++;
      opts.onCall?.('Decrypt');
      try {
        const out = await opts.kms.send(
          new DecryptCommand({ KeyId: opts.keyId, CiphertextBlob: wrapped, EncryptionContext: { ...context } }),
        );
        if (!out.Plaintext || out.Plaintext.length !== 32) throw new Error('KMS Decrypt returned no 256-bit key');
        return Buffer.from(out.Plaintext);
      } catch (cause) {
        if ((cause as { name?: string }).name === 'InvalidCiphertextException') {
          throw new DecryptionError('wrapped data key did not unwrap (wrong context or corrupted)', {}, { cause });
        }
        throw cause;
      }
    },
    stats: () => ({ generateDataKey: gen, decrypt: dec, total: gen + dec }),
  };
}

export function kmsKeyWrapperFromEnv(onCall?: (op: KmsOp) => void): KeyWrapper {
  return kmsKeyWrapper({ kms: kms(), keyId: loadEnv(['keys']).KMS_KEY_ID, onCall });
}
