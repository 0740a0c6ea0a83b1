/**
 * Backup format: gzip'd JSON lines, one raw item per line, in the bucket under
 * `backups/<yyyy>/<mm>/<dd>/<iso>.jsonl.gz`, SSE-KMS by bucket default.
 * Items hold only ciphertext for sensitive fields, so the backup does too; a
 * restore is a batch write of the lines back into a table.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface BackupPorts {
  readonly table: Pick<DynamoDBDocumentClient, 'send'>;
  readonly s3: Pick<S3Client, 'send'>;
  readonly tableName: string;
  readonly bucket: string;
  readonly now: Date;
}

export async function writeBackup(ports: BackupPorts): Promise<{ key: string; items: number; bytes: number }> {
  const lines: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ports.table.send(new ScanCommand({ TableName: ports.tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) lines.push(JSON.stringify(item));
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
  const items = gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  for (let i = 0; i < items.length; i += 25) {
    let pending: Record<string, unknown>[] = items.slice(i, i + 25);
    for (let attempt = 0; pending.length && attempt < 8; attempt++) {
      const out = await ports.table.send(
        new BatchWriteCommand({ RequestItems: { [ports.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
      );
      pending = (out.UnprocessedItems?.[ports.tableName] ?? []).map((r) => r.PutRequest!.Item as Record<string, unknown>);
      if (pending.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
    if (pending.length) throw new Error(`restore: ${pending.length} items left unprocessed`);
  }
  return items.length;
}
