/**
 * The destination for S3 server access logs and CloudFront standard logs.
 * SSE-S3 (S3 server access logging cannot write to SSE-KMS buckets), TLS only,
 * no public access, ACLs enabled for the CloudFront log writer only.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StageConfig } from './config';

export interface AccessLogBucketProps {
  readonly config: StageConfig;
  /**
   * Days an access log object is kept.
   * @default 365 in prod, 90 elsewhere
   */
  readonly expirationDays?: number;
}

export class AccessLogBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    const days = props.expirationDays ?? (props.config.isProd ? 365 : 90);
    if (!Number.isInteger(days) || days < 1) throw new Error(`AccessLogBucket: expirationDays must be a positive integer (got ${days})`);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logging writes with an ACL grant to awslogsdelivery.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(days), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: props.config.removalPolicy,
      autoDeleteObjects: !props.config.isProd,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the access-log destination for the SPA and backup buckets and CloudFront; logging it into itself would loop, and another log bucket would only move the finding.',
    });
  }
}
