/**
 * The table port: a DynamoDB document client plus the table name. Every
 * domain module takes one as an argument (no module-level table globals).
 *
 *   interface TableRef { doc: DynamoDBDocumentClient; name: string }
 *   tableFromEnv(): TableRef          // documentClient() + TABLE_NAME via loadEnv(['table'])
 *   isConditionalCheckFailed(err): boolean
 *   unlessConditionFailed(write)      // the write's output, or undefined when its condition did not hold
 *   partitionItems(table, pk, { skPrefix?, projection? })   // every item of a partition, all pages, consistent
 *   batchWriteAll(table, requests)    // BatchWriteItem, 25 per call, 8 calls at once, unprocessed items retried
 */
import { BatchWriteCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

/** The conditional write's output, or undefined when its condition did not hold (other errors are thrown). */
export async function unlessConditionFailed<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw err;
  }
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

/**
 * Put/delete requests in BatchWriteItem calls of 25, 8 calls at once; unprocessed items are sent
 * again with a backoff (20 ms doubling, at most 1 s). Unconditional: a put replaces the item.
 * (Only the bundles that call it carry BatchWriteItem: esbuild drops it elsewhere.)
 */
export async function batchWriteAll(table: TableRef, requests: readonly Record<string, unknown>[]): Promise<void> {
  const groups: Record<string, unknown>[][] = [];
  for (let i = 0; i < requests.length; i += 25) groups.push(requests.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      let req = groups[next++]!;
      for (let attempt = 0; req.length; attempt++) {
        const out = await table.doc.send(new BatchWriteCommand({ RequestItems: { [table.name]: req } }));
        req = (out.UnprocessedItems?.[table.name] ?? []) as Record<string, unknown>[];
        if (req.length) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, groups.length) }, worker));
}
