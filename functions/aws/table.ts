/**
 * The table port: a DynamoDB document client plus the table name. Every
 * domain module takes one as an argument (no module-level table globals).
 *
 *   interface TableRef { doc: DynamoDBDocumentClient; name: string }
 *   tableFromEnv(): TableRef          // documentClient() + TABLE_NAME via loadEnv(['table'])
 *   isConditionalCheckFailed(err): boolean
 *   partitionItems(table, pk, { skPrefix?, projection? })   // every item of a partition, all pages, consistent
 */
import { paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './client-dynamodb';
import { loadEnv } from '../platform/env';

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

/** Every item of one partition (optionally under a sort-key prefix), across all pages, consistently read. */
export async function* partitionItems(
  table: TableRef,
  pk: string,
  opts: { skPrefix?: string; projection?: string } = {},
): AsyncGenerator<Record<string, unknown>> {
  const pages = paginateQuery(
    { client: table.doc },
    {
      TableName: table.name,
      KeyConditionExpression: opts.skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': pk, ...(opts.skPrefix === undefined ? {} : { ':p': opts.skPrefix }) },
      ...(opts.projection ? { ProjectionExpression: opts.projection } : {}),
      ConsistentRead: true,
    },
  );
  for await (const page of pages) yield* page.Items ?? [];
}
