/** The KMS client (see clients.ts). */
import { KMSClient } from '@aws-sdk/client-kms';
import { lazyClient, SMALL_CALLS } from './clients';

export const kms: () => KMSClient = lazyClient(
  () => new KMSClient({ ...SMALL_CALLS }),
  (c) => c.destroy(),
);
