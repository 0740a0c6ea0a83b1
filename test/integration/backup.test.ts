/**
 * Encrypted backups: the scheduled dump writes the raw table (ciphertext for
 * every sensitive attribute) to the backup bucket, holds no plaintext, and a
 * restore into an empty table gives back readable data.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { defineEntity } from '../../functions/data/entity';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { MIN_PART_BYTES, restoreBackup, writeBackup } from '../../functions/backup/dump';
import { freshUser, layer, mainTable, rawDdb, scanAll, scratchTable } from './data-fixtures';
import { awsClientConfig, localStackEnv } from '../setup/env';

const Secret = defineEntity<{ note: string }>({ name: 'backup-note', skPrefix: 'BNOTE#', encrypted: ['note'] });

describe('backup and restore', () => {
  const s3 = new S3Client({ ...awsClientConfig(), forcePathStyle: true });
  const bucket = localStackEnv().backupBucket;

  it('dumps ciphertext only and restores readable data into an empty table', async () => {
    const dl = layer();
    const user = freshUser();
    const sentinel = `BACKUP-SENTINEL-${randomBytes(6).toString('hex')}`;
    await dl.repo.create(user, Secret, 'BNOTE#1', { note: sentinel });

    const result = await writeBackup({ table: rawDdb(), s3, tableName: mainTable().name, bucket, now: new Date() });
    expect(result.items).toBeGreaterThan(0);
    expect(result.key).toMatch(/^backups\/\d{4}\/\d{2}\/\d{2}\/.+\.jsonl\.gz$/);

    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: result.key }));
    const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
    expect(text).toContain(`T#user#${user.id}`);
    expect(text).not.toContain(sentinel);

    const target = await scratchTable();
    try {
      const restored = await restoreBackup({ table: rawDdb(), s3, tableName: target.name, bucket, key: result.key });
      expect(restored).toBe(result.items);
      expect((await scanAll(target)).length).toBe(result.items);
      // Same KMS key, same wrapped DEKs: the restored copy decrypts.
      const restoredNote = await layer(target).repo.get(user, Secret, 'BNOTE#1');
      expect(restoredNote?.note).toBe(sentinel);
    } finally {
      await target.drop();
    }
  });

  it('streams a table larger than one scan page as a multipart upload of ≥ 5 MiB parts, and restores it', async () => {
    const source = await scratchTable();
    const target = await scratchTable();
    try {
      // Random base64 values: ~11 MB of items, ~8 MB gzipped → one part over 5 MiB and a smaller last one.
      const items = Array.from({ length: 32 }, (_, i) => ({ pk: `T#user#big`, sk: `BIG#${i}`, blob: randomBytes(260_000).toString('base64') }));
      for (const Item of items) await source.doc.send(new PutCommand({ TableName: source.name, Item }));

      const result = await writeBackup({ table: rawDdb(), s3, tableName: source.name, bucket, now: new Date(), partBytes: MIN_PART_BYTES });
      expect(result).toMatchObject({ items: items.length });
      expect(result.pages).toBeGreaterThan(1);
      expect(result.parts).toBe(2);

      // Still one standard gzip stream (concatenated members), readable by any gunzip.
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: result.key }));
      const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
      expect(text.split('\n').filter(Boolean)).toHaveLength(items.length);

      expect(await restoreBackup({ table: rawDdb(), s3, tableName: target.name, bucket, key: result.key })).toBe(items.length);
      const restored = (await scanAll(target)).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
      expect(restored).toEqual(items.sort((a, b) => a.sk.localeCompare(b.sk)));
    } finally {
      await source.drop();
      await target.drop();
    }
  }, 120_000);

  it('refuses parts S3 would refuse (under 5 MiB)', async () => {
    await expect(writeBackup({ table: rawDdb(), s3, tableName: mainTable().name, bucket, now: new Date(), partBytes: MIN_PART_BYTES - 1 })).rejects.toThrow(RangeError);
  });
});
