/**
 * Backup format: gzip'd JSON lines in DynamoDB JSON (as DynamoDB's own S3
 * export: `{"pk":{"S":"…"},"wrapped":{"B":"<base64>"}}`), one raw item per
 * line, under `backups/<yyyy>/<mm>/<dd>/<iso>.jsonl.gz`, SSE-KMS by bucket
 * default. Items hold only ciphertext for sensitive fields (and only wrapped
 * DEKs), so the backup does too; a restore batch-writes the lines back.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

type Item = Record<string, AttributeValue>;

/** Binary values as base64 so JSON keeps them (wrapped DEKs are binary). */
function encodeValue(v: AttributeValue): unknown {
  if (v.B) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.M) return { M: Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, encodeValue(x)])) };
  if (v.L) return { L: v.L.map(encodeValue) };
  return v;
}

function decodeValue(v: Record<string, unknown>): AttributeValue {
  if (typeof v.B === 'string') return { B: Buffer.from(v.B, 'base64') };
  if (Array.isArray(v.BS)) return { BS: (v.BS as string[]).map((b) => Buffer.from(b, 'base64')) };
  if (v.M) return { M: Object.fromEntries(Object.entries(v.M as Record<string, Record<string, unknown>>).map(([k, x]) => [k, decodeValue(x)])) };
  if (Array.isArray(v.L)) return { L: (v.L as Record<string, unknown>[]).map(decodeValue) };
  return v as unknown as AttributeValue;
}

export const encodeItem = (item: Item): string => JSON.stringify(Object.fromEntries(Object.entries(item).map(([k, v]) => [k, encodeValue(v)])));
export const decodeItem = (line: string): Item =>
  Object.fromEntries(Object.entries(JSON.parse(line) as Record<string, Record<string, unknown>>).map(([k, v]) => [k, decodeValue(v)]));

export interface BackupPorts {
  readonly table: Pick<DynamoDBClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly tableName: string;
  readonly bucket: string;
  readonly now: Date;
}

export async function writeBackup(ports: BackupPorts): Promise<{ key: string; items: number; bytes: number }> {
  const lines: string[] = [];
  let start: Item | undefined;
  do {
    const page = await ports.table.send(new ScanCommand({ TableName: ports.tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) lines.push(encodeItem(item));
    start = page.LastEvaluatedKey;
  } while (start);
  const body = gzipSync(lines.join('\n'));
  const iso = ports.now.toISOString();
  const key = `backups/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso}.jsonl.gz`;
  await ports.s3.send(new PutObjectCommand({ Bucket: ports.bucket, Key: key, Body: body, ContentType: 'application/gzip' }));
  return { key, items: lines.length, bytes: body.length };
}

/** Restores a backup object into a (normally empty) table. Returns the number of items written. */
export async function restoreBackup(ports: Omit<BackupPorts, 'now'> & { key: string }): Promise<number> {
  const object = await ports.s3.send(new GetObjectCommand({ Bucket: ports.bucket, Key: ports.key }));
  const bytes = Buffer.from(await object.Body!.transformToByteArray());
  const items = gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean).map(decodeItem);
  for (let i = 0; i < items.length; i += 25) {
    let pending: Item[] = items.slice(i, i + 25);
    for (let attempt = 0; pending.length && attempt < 8; attempt++) {
      const out = await ports.table.send(
        new BatchWriteItemCommand({ RequestItems: { [ports.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
      );
      pending = (out.UnprocessedItems?.[ports.tableName] ?? []).map((r) => r.PutRequest!.Item!);
      if (pending.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
    if (pending.length) throw new Error(`restore: ${pending.length} items left unprocessed`);
  }
  return items.length;
}
