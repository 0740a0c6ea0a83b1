/**
 * Encrypted backups: the scheduled dump writes the raw table (ciphertext for
 * every sensitive attribute) to the backup bucket, holds no plaintext, and a
 * restore into an empty table gives back readable data.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { defineEntity } from '../../functions/data/entity';
import { restoreBackup, writeBackup } from '../../functions/backup/dump';
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
});
