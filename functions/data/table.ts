/**
 * The table port: a DynamoDB document client plus the table name. Every
 * domain module takes one as an argument (no module-level table globals).
 *
 *   interface TableRef { doc: DynamoDBDocumentClient; name: string }
 *   tableFromEnv(): TableRef          // documentClient() + TABLE_NAME via loadEnv(['table'])
 *   isConditionalCheckFailed(err): boolean
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../aws/clients';
import { loadEnv } from '../config/env';

export interface TableRef {
  readonly doc: DynamoDBDocumentClient;
  readonly name: string;
}

export function tableFromEnv(): TableRef {
  return { doc: documentClient(), name: loadEnv(['table']).TABLE_NAME };
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

export function isTransactionCanceled(err: unknown): err is { name: string; CancellationReasons?: { Code?: string }[] } {
  return (err as { name?: string } | null)?.name === 'TransactionCanceledException';
}
