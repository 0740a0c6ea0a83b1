/**
 * Backup format: gzip'd JSON lines in DynamoDB JSON (as DynamoDB's own S3
 * export: `{"pk":{"S":"…"},"wrapped":{"B":"<base64>"}}`), one raw item per
 * line, under `backups/<yyyy>/<mm>/<dd>/<iso>.jsonl.gz`, SSE-KMS by bucket
 * default. Items hold only ciphertext for sensitive fields (and only wrapped
 * DEKs), so the backup does too; a restore batch-writes the lines back.
 *
 * Streaming: the table is scanned page by page; each page becomes one gzip
 * member (concatenated members are one valid gzip stream, RFC 1952), and the
 * members go to S3 as a multipart upload whose parts are at least
 * `partBytes` (≥ 5 MiB, S3's minimum for all but the last part). Memory holds
 * one scan page plus one part. A failed backup aborts its upload (and the
 * bucket's lifecycle rule removes any upload left incomplete). The restore
 * reads the object as a stream and writes 25 items at a time.
 */
import { createGunzip, gzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3 refuses a part under 5 MiB unless it is the last one. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;

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
  /** Minimum size of every part but the last. @default DEFAULT_PART_BYTES (at least MIN_PART_BYTES) */
  readonly partBytes?: number;
}

export interface BackupResult {
  readonly key: string;
  readonly items: number;
  /** Compressed size. */
  readonly bytes: number;
  readonly pages: number;
  readonly parts: number;
}

export async function writeBackup(ports: BackupPorts): Promise<BackupResult> {
  const partBytes = ports.partBytes ?? DEFAULT_PART_BYTES;
  if (!(partBytes >= MIN_PART_BYTES)) throw new RangeError(`backup parts must be at least ${MIN_PART_BYTES} bytes (S3's minimum)`);
  const { bucket: Bucket } = ports;
  const iso = ports.now.toISOString();
  const Key = `backups/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso}.jsonl.gz`;
  const { UploadId } = await ports.s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'application/gzip' }));
  const parts: CompletedPart[] = [];
  let part: Buffer[] = [];
  let partSize = 0;
  let items = 0;
  let bytes = 0;
  let pages = 0;

  const uploadPart = async () => {
    const Body = Buffer.concat(part);
    part = [];
    partSize = 0;
    const PartNumber = parts.length + 1;
    const out = await ports.s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body }));
    parts.push({ PartNumber, ETag: out.ETag });
    bytes += Body.length;
  };

  try {
    let start: Item | undefined;
    do {
      const page = await ports.table.send(new ScanCommand({ TableName: ports.tableName, ExclusiveStartKey: start, ConsistentRead: true }));
      pages++;
      const lines = (page.Items ?? []).map((item) => `${encodeItem(item)}\n`);
      if (lines.length) {
        const member = gzipSync(lines.join(''));
        part.push(member);
        partSize += member.length;
        items += lines.length;
      }
      if (partSize >= partBytes) await uploadPart();
      start = page.LastEvaluatedKey;
    } while (start);
    // The last part may be small; an empty table still gets one (empty) gzip member.
    if (partSize > 0 || parts.length === 0) {
      if (partSize === 0) part.push(gzipSync(''));
      await uploadPart();
    }
    await ports.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await ports.s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw err;
  }
  return { key: Key, items, bytes, pages, parts: parts.length };
}

async function writeItems(ports: { table: Pick<DynamoDBClient, 'send'>; tableName: string }, items: Item[]): Promise<void> {
  let pending = items;
  for (let attempt = 0; pending.length && attempt < 8; attempt++) {
    const out = await ports.table.send(
      new BatchWriteItemCommand({ RequestItems: { [ports.tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
    );
    pending = (out.UnprocessedItems?.[ports.tableName] ?? []).map((r) => r.PutRequest!.Item!);
    if (pending.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
  }
  if (pending.length) throw new Error(`restore: ${pending.length} items left unprocessed`);
}

/** Restores a backup object into a (normally empty) table, streaming it. Returns the number of items written. */
export async function restoreBackup(ports: Omit<BackupPorts, 'now' | 'partBytes'> & { key: string }): Promise<number> {
  const object = await ports.s3.send(new GetObjectCommand({ Bucket: ports.bucket, Key: ports.key }));
  const gunzip = createGunzip();
  const piping = pipeline(object.Body as Readable, gunzip);
  piping.catch(() => undefined); // its error also ends the iteration below; awaited after it
  gunzip.setEncoding('utf8');
  let batch: Item[] = [];
  let count = 0;
  let rest = '';
  const take = async (line: string) => {
    if (!line) return;
    batch.push(decodeItem(line));
    if (batch.length === 25) {
      await writeItems(ports, batch);
      count += batch.length;
      batch = [];
    }
  };
  for await (const chunk of gunzip as AsyncIterable<string>) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) await take(line);
  }
  await piping;
  await take(rest);
  if (batch.length) {
    await writeItems(ports, batch);
    count += batch.length;
  }
  return count;
}
