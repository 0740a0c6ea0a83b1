/**
 * The data tier: one customer-managed KMS key (wraps every tenant DEK and
 * encrypts the table and backups at rest) and one DynamoDB table.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from './config';

export interface FlarevaultDataProps {
  readonly config: StageConfig;
  /**
   * Global secondary indexes (partition key `<name>pk`, sort key `<name>sk`).
   * @default ['gsi1']
   */
  readonly indexNames?: readonly string[];
  /**
   * Name of the TTL attribute (epoch seconds).
   * @default 'ttl'
   */
  readonly ttlAttribute?: string;
}

export class FlarevaultData extends Construct {
  /** Symmetric CMK, rotation on. */
  public readonly key: kms.Key;
  /** The one table (`pk`/`sk`). */
  public readonly table: dynamodb.Table;
  /** GSI names, in order. */
  public readonly indexNames: readonly string[];
  /** ARNs of every index, for hand-written least-privilege policies (no `index/*`). */
  public readonly indexArns: readonly string[];

  constructor(scope: Construct, id: string, props: FlarevaultDataProps) {
    super(scope, id);
    const indexNames = props.indexNames ?? ['gsi1'];
    const ttlAttribute = props.ttlAttribute ?? 'ttl';
    for (const n of indexNames) {
      if (!/^[a-z][a-z0-9]{0,30}$/.test(n)) throw new Error(`FlarevaultData: index name "${n}" must match /^[a-z][a-z0-9]{0,30}$/`);
    }
    if (new Set(indexNames).size !== indexNames.length) throw new Error('FlarevaultData: index names must be unique');
    if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/.test(ttlAttribute)) throw new Error(`FlarevaultData: bad TTL attribute "${ttlAttribute}"`);

    const { config } = props;
    this.key = new kms.Key(this, 'Key', {
      description: `flarevault ${config.stage}: wraps tenant DEKs; encrypts the table and backups`,
      enableKeyRotation: true,
      keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
      alias: `alias/flarevault/${config.stage}/data`,
      removalPolicy: config.removalPolicy,
    });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: ttlAttribute,
      deletionProtection: config.isProd,
      removalPolicy: config.removalPolicy,
    });
    for (const name of indexNames) {
      this.table.addGlobalSecondaryIndex({
        indexName: name,
        partitionKey: { name: `${name}pk`, type: dynamodb.AttributeType.STRING },
        sortKey: { name: `${name}sk`, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    this.indexNames = indexNames;
    this.indexArns = indexNames.map((n) => `${this.table.tableArn}/index/${n}`);
  }
}
