/**
 * The backup bucket: ciphertext-only table exports land here, SSE-KMS with the
 * CMK on top, versioned, private, TLS only, access-logged, and aged out by a
 * lifecycle that is checked against the retention at synth time.
 */
import { Annotations, Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StageConfig } from './config';

/** S3 keeps an object in STANDARD at least this long before STANDARD_IA. */
export const MIN_DAYS_BEFORE_STANDARD_IA = 30;

export interface BackupBucketProps {
  readonly config: StageConfig;
  readonly key: kms.IKey;
  readonly logBucket: s3.IBucket;
  /**
   * Days after which a backup expires.
   * @default config.backupRetentionDays
   */
  readonly retentionDays?: number;
  /**
   * Move to STANDARD_IA after this many days (≥ 30). Skipped when not before the expiry.
   * @default 30
   */
  readonly standardIaAfterDays?: number;
  /**
   * Move to GLACIER_IR after this many days (after the STANDARD_IA step). Skipped when not before the expiry.
   * @default 90
   */
  readonly glacierIrAfterDays?: number;
  /**
   * Days a replaced/deleted version is kept.
   * @default 30 in prod, 7 elsewhere
   */
  readonly noncurrentVersionDays?: number;
}

export interface LifecyclePlan {
  readonly transitions: readonly { readonly storageClass: 'STANDARD_IA' | 'GLACIER_IR'; readonly days: number }[];
  readonly expirationDays: number;
  readonly skipped: readonly string[];
}

/** Pure, testable: which transitions are valid for a retention. Throws on impossible input. */
export function planBackupLifecycle(retentionDays: number, standardIaAfterDays = 30, glacierIrAfterDays = 90): LifecyclePlan {
  for (const [name, v] of Object.entries({ retentionDays, standardIaAfterDays, glacierIrAfterDays })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`BackupBucket: ${name} must be a positive integer (got ${v})`);
  }
  if (standardIaAfterDays < MIN_DAYS_BEFORE_STANDARD_IA) {
    throw new Error(`BackupBucket: standardIaAfterDays must be >= ${MIN_DAYS_BEFORE_STANDARD_IA} (S3 rejects earlier STANDARD_IA transitions), got ${standardIaAfterDays}`);
  }
  if (glacierIrAfterDays <= standardIaAfterDays) {
    throw new Error(`BackupBucket: glacierIrAfterDays (${glacierIrAfterDays}) must come after standardIaAfterDays (${standardIaAfterDays})`);
  }
  const transitions: { storageClass: 'STANDARD_IA' | 'GLACIER_IR'; days: number }[] = [];
  const skipped: string[] = [];
  if (standardIaAfterDays < retentionDays) transitions.push({ storageClass: 'STANDARD_IA', days: standardIaAfterDays });
  else skipped.push(`STANDARD_IA at day ${standardIaAfterDays}`);
  if (glacierIrAfterDays < retentionDays) transitions.push({ storageClass: 'GLACIER_IR', days: glacierIrAfterDays });
  else skipped.push(`GLACIER_IR at day ${glacierIrAfterDays}`);
  return { transitions, expirationDays: retentionDays, skipped };
}

export class BackupBucket extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly lifecycle: LifecyclePlan;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    const { config } = props;
    this.lifecycle = planBackupLifecycle(
      props.retentionDays ?? config.backupRetentionDays,
      props.standardIaAfterDays,
      props.glacierIrAfterDays,
    );
    const noncurrentDays = props.noncurrentVersionDays ?? (config.isProd ? 30 : 7);
    if (!Number.isInteger(noncurrentDays) || noncurrentDays < 1) throw new Error(`BackupBucket: noncurrentVersionDays must be a positive integer (got ${noncurrentDays})`);
    if (this.lifecycle.skipped.length > 0) {
      Annotations.of(this).addInfo(
        `backup retention ${this.lifecycle.expirationDays} days: skipped ${this.lifecycle.skipped.join(', ')} (not before the expiry)`,
      );
    }

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: props.logBucket,
      serverAccessLogsPrefix: 'backup-bucket/',
      lifecycleRules: [
        {
          id: 'age-out-backups',
          transitions: this.lifecycle.transitions.map((t) => ({
            storageClass: t.storageClass === 'STANDARD_IA' ? s3.StorageClass.INFREQUENT_ACCESS : s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
            transitionAfter: Duration.days(t.days),
          })),
          expiration: Duration.days(this.lifecycle.expirationDays),
          noncurrentVersionExpiration: Duration.days(noncurrentDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
          expiredObjectDeleteMarker: false,
        },
        { id: 'clean-delete-markers', expiredObjectDeleteMarker: true },
      ],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: !config.isProd,
    });
  }
}
