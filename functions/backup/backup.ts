/** Scheduled: dumps the table (already ciphertext for every sensitive attribute) to the backup bucket. */
import type { ScheduledEvent } from 'aws-lambda';
import { dynamoDb } from '../aws/client-dynamodb';
import { s3 } from '../aws/client-s3';
import { loadEnv } from '../platform/env';
import { logger } from '../observability/logger';
import { writeBackup } from './dump';

const env = loadEnv(['table', 'backupBucket']);

export const handler = async (event: ScheduledEvent) => {
  const result = await writeBackup({ table: dynamoDb(), s3: s3(), tableName: env.TABLE_NAME, bucket: env.BACKUP_BUCKET, now: new Date(event.time ?? Date.now()) });
  logger.info('backup written', { ...result });
  return result;
};
