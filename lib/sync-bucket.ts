/**
 * The sync bucket: snapshot blobs of end-to-end-encrypted sync too large for a table item
 * (functions/sync/blob-store.ts). The backup bucket's sibling: SSE-KMS with the stack's key,
 * private, TLS only, access-logged, and a bucket policy refusing any put that does not ask
 * for SSE-KMS with that key. Objects are already the client's ciphertext; S3 seals them again.
 *
 * Versioning stays OFF on purpose: an object is written once under a fresh random key and
 * deleted when its snapshot is replaced or cleared; a versioned bucket would keep every
 * replaced or cleared blob as a noncurrent version, so "clear" would not remove the data.
 * Restores come from the table's point-in-time recovery plus the live objects.
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StageConfig } from './config';

export interface SyncBucketProps {
  readonly config: StageConfig;
  /** The stack's CMK (the table's key). */
  readonly key: kms.IKey;
  readonly logBucket: s3.IBucket;
}

export class SyncBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: SyncBucketProps) {
    super(scope, id);
    const { config } = props;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      versioned: false,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: props.logBucket,
      serverAccessLogsPrefix: 'sync-bucket/',
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: !config.isProd,
    });
    // A put must ask for SSE-KMS with the stack's key: a missing or other header is refused
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html).
    // The local runtime enforces the same rule in its S3 emulator (lib/local/fauxqs.ts).
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'RequireSseKmsWithStackKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': props.key.keyArn } },
      }),
    );
  }
}
