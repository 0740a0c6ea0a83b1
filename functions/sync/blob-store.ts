/**
 * Where a snapshot blob too large for a table item goes: an S3 bucket (the backup bucket's
 * sibling), every object written with SSE-KMS under the table's key. Object keys are random
 * (`sync/<userId>/<random>`), so nothing a client named appears in the bucket; the table
 * item keeps the key and the blob's SHA-256, checked on every read.
 *
 *   s3BlobStore({ s3, bucket, kmsKeyId }): SyncBlobStore
 *   newBlobKey(tenant) -> string
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface SyncBlobStore {
  put(key: string, body: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

// Lives with the blob checks, so a module that names keys does not load the S3 client.
export { newBlobKey } from './blobs';

export function s3BlobStore(opts: { s3: S3Client; bucket: string; kmsKeyId: string }): SyncBlobStore {
  const { s3, bucket } = opts;
  return {
    async put(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: opts.kmsKeyId, ContentType: 'application/octet-stream' }));
    },
    async get(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
    async delete(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
