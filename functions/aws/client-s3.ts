/** The S3 client (see clients.ts): backup parts of several MiB, so longer requests. */
import { S3Client } from '@aws-sdk/client-s3';
import { LARGE_BODIES, lazyClient } from './clients';

/** Path-style works in AWS and against local emulators alike. */
export const s3: () => S3Client = lazyClient(
  () => new S3Client({ ...LARGE_BODIES, forcePathStyle: true }),
  (c) => c.destroy(),
);
