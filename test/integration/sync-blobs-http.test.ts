/**
 * Large snapshot blobs over HTTP through the local stack (issue 16 item 4): a snapshot over the
 * table budget (150 KiB) goes to the sync bucket and round-trips byte for byte; the object is the
 * client's ciphertext (the plaintext's marker is nowhere in it, nor in the table), its key is
 * random; the bucket refuses any put that does not ask for SSE-KMS with the stack's key (the CDK
 * bucket policy, emulated by the local S3), so the stored object came with it. Over the user's
 * total, 413 names the limit.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { USER_SK, UserEntity } from '../../functions/identity/entities';
import { limitsFor, type Tier } from '../../functions/platform/tiers';
import { SnapshotEntity } from '../../functions/sync/entities';
import { TABLE_BLOB_BYTES } from '../../functions/sync/deps';
import { SyncUsageEntity, USAGE_TOTAL_SK } from '../../functions/sync/usage';
import { tenantPk, userTenant } from '../../functions/tenancy/tenant';
import { awsClientConfig, localStackEnv } from '../setup/env';
import { linkedDevice } from '../support/device-authorization';
import { call, signUpWithToken } from '../support/http';
import { dataLayer } from './jobs-harness';
import { mainTable, partition } from './data-fixtures';

const s3 = new S3Client({ ...awsClientConfig(), forcePathStyle: true });
const bucket = process.env.SYNC_BUCKET!;
afterAll(() => s3.destroy());

async function setTier(userId: string, tier: Tier) {
  const repo = dataLayer().repo;
  const user = (await repo.get(userTenant(userId), UserEntity, USER_SK))!;
  await repo.update(userTenant(userId), UserEntity, USER_SK, { tier }, { expectedVersion: user.version });
}

/** What a client does: AES-256-GCM with a fresh 96-bit nonce, base64 of nonce | ciphertext | tag. */
function clientCiphertext(plaintext: Buffer): string {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]).toString('base64');
}

describe('large sync blobs in the S3 sync bucket, over HTTP', () => {
  it('a 200 KiB snapshot round-trips; its object is the client ciphertext under a random key, never the plaintext', async () => {
    const owner = await signUpWithToken();
    await setTier(owner.userId, 'base'); // free items stop at 64 KiB
    const d = await linkedDevice(owner.token, 'Big desktop');
    const marker = `PLAINTEXT-MARKER-${randomBytes(6).toString('hex')}`;
    const plaintext = Buffer.from(`${marker} `.repeat(Math.ceil((200 * 1024) / (marker.length + 1))));
    const blob = clientCiphertext(plaintext);
    expect(Buffer.from(blob, 'base64').length).toBeGreaterThan(TABLE_BLOB_BYTES);

    const put = await call('PUT', '/api/v1/sync/data/collection/big-one', { token: d.deviceToken, body: { blob } });
    expect(put.status).toBe(200);
    const got = await call('GET', '/api/v1/sync/data/collection/big-one', { token: d.deviceToken });
    expect(got.status).toBe(200);
    expect(got.body.blob).toBe(blob);
    expect(got.body.bytes).toBe(Buffer.from(blob, 'base64').length);

    const raw = await partition(mainTable(), tenantPk(userTenant(owner.userId)));
    const item = raw.find((i) => i._e === SnapshotEntity.name)!;
    expect(String(item.blobKey)).toMatch(new RegExp(`^sync/${owner.userId}/[A-Za-z0-9_-]{24}$`));
    expect(JSON.stringify(raw)).not.toContain(marker);
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `sync/${owner.userId}/` }))).Contents ?? [];
    expect(listed.map((o) => o.Key)).toEqual([item.blobKey]);
    const object = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: String(item.blobKey) }))).Body!.transformToByteArray());
    expect(object.equals(Buffer.from(blob, 'base64'))).toBe(true);
    expect(object.includes(Buffer.from(marker))).toBe(false);
    expect(object.includes(Buffer.from(marker.slice(0, 12)))).toBe(false);

    // Replaced by a small version: the object goes.
    const small = await call('PUT', '/api/v1/sync/data/collection/big-one', { token: d.deviceToken, body: { blob: clientCiphertext(Buffer.from('small')) }, headers: { 'if-match': '"1"' } });
    expect(small.status).toBe(200);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `sync/${owner.userId}/` }))).Contents ?? []).toEqual([]);
  });

  it('the sync bucket refuses a put without SSE-KMS or with another key; the stack key passes', async () => {
    const Key = `sync/probe/${randomBytes(9).toString('base64url')}`;
    const Body = randomBytes(64);
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ServerSideEncryption: 'AES256' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:000000000000:key/other' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: localStackEnv().kmsKeyId }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    expect(process.env.SYNC_BUCKET_KEY_ID).toBe(localStackEnv().kmsKeyId);
  });

  it('over the total: 413 too-large naming the limit, checked in the write’s transaction', async () => {
    const owner = await signUpWithToken();
    const d = await linkedDevice(owner.token, 'Full disk');
    const dl = dataLayer();
    const tenant = userTenant(owner.userId);
    // Bring the user just under the free total without writing 25 MiB: the usage total item as a write leaves it.
    const limit = limitsFor('free').syncTotalBytes;
    await dl.repo.tx(tenant).add(SyncUsageEntity, USAGE_TOTAL_SK, { items: 1, bytes: limit - 100 }).commit();
    const r = await call('PUT', '/api/v1/sync/data/setting/one', { token: d.deviceToken, body: { blob: randomBytes(150).toString('base64') } });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ type: expect.stringMatching(/\/too-large$/), limit, size: limit + 50 });
    expect(r.body.detail).toContain(String(limit));
    const fits = await call('PUT', '/api/v1/sync/data/setting/one', { token: d.deviceToken, body: { blob: randomBytes(99).toString('base64') } });
    expect(fits.status).toBe(200);
  });
});
