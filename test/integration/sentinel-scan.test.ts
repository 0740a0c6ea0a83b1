/**
 * Ciphertext-only storage: run the sentinel workload (sentinel-workload.ts and
 * sentinel-workspaces.ts, extended by every issue), then Scan the WHOLE raw
 * table (all pages, every tenant and global item) and a backup of it, and
 * assert that no sentinel appears: not as is, not lower- or upper-cased, not
 * base64/base64url/hex encoded.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeBackup } from '../../functions/backup/dump';
import { awsClientConfig, localStackEnv } from '../setup/env';
import { freshUser, freshWorkspace, layer, mainTable, rawDdb, scanAll } from './data-fixtures';
import { sentinelSteps, type SentinelContext } from './sentinel-workload';
import { syncSentinelStep } from './sentinel-sync';
import { dumpItems, leaks } from '../support/sentinel-forms';
import { workspaceSentinelStep } from './sentinel-workspaces';
import { passkeySentinelStep } from './sentinel-passkeys';
import { oidcSentinelStep } from './sentinel-oidc';
import { emailAuthSentinelStep } from './sentinel-email-auth';

describe('raw table holds no plaintext sentinel', () => {
  const sentinels: string[] = [];
  const dl = layer();
  const ctx: SentinelContext = {
    dl,
    user: freshUser(),
    workspace: freshWorkspace(),
    sentinel: (label) => {
      const s = `SENTINEL-${label}-${randomBytes(6).toString('hex')}`;
      sentinels.push(s);
      return s;
    },
    track: (value) => void sentinels.push(value),
  };

  it.each([...sentinelSteps, workspaceSentinelStep, syncSentinelStep, passkeySentinelStep, oidcSentinelStep, emailAuthSentinelStep].map((s) => [s.name, s] as const))('workload step: %s', async (_name, step) => {
    await step.run(ctx);
  });

  it('a Scan of the whole table finds none of them', async () => {
    expect(sentinels.length).toBeGreaterThan(10);
    const items = await scanAll(mainTable());
    expect(items.length).toBeGreaterThan(0);
    const found = leaks(dumpItems(items), sentinels.map((s) => ({ label: s, value: s })));
    expect(found).toEqual([]);
    // sanity: the data is there and readable through the data layer
    const note = await dl.repo.get(ctx.user, { name: 'sentinel-note', skPrefix: 'SNOTE#', encrypted: ['title', 'body'] }, 'SNOTE#1');
    expect(sentinels).toContain((note as { title?: string } | undefined)?.title);
  });

  it('a backup of the table holds none of them either', async () => {
    const s3 = new S3Client({ ...awsClientConfig(), forcePathStyle: true });
    const bucket = localStackEnv().backupBucket;
    const result = await writeBackup({ table: rawDdb(), s3, tableName: mainTable().name, bucket, now: new Date() });
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: result.key }));
    const text = gunzipSync(Buffer.from(await object.Body!.transformToByteArray())).toString('utf8');
    expect(text).toContain(`T#${ctx.user.kind}#${ctx.user.id}`);
    const found = leaks(text, sentinels.map((s) => ({ label: s, value: s })));
    expect(found).toEqual([]);
    s3.destroy();
  });
});
