/**
 * Wiring: the sync domain's ports for one container, from the environment (the `syncBlobs`
 * need: SYNC_BUCKET and the key its objects are written with). The tier's limits follow each
 * caller, so handlers add them per request (`{ ...ports, limits: limitsFor(tier) }`).
 *
 *   syncPortsFromEnv(data) -> SyncPorts
 */
import { s3 } from '../aws/client-s3';
import type { DataLayer } from '../data/from-env';
import { loadEnv } from '../platform/env';
import { s3BlobStore } from './blob-store';
import type { SyncDeps } from './deps';

/** Everything the domain needs but the tier's limits. */
export type SyncPorts = Omit<SyncDeps, 'limits'>;

export function syncPortsFromEnv(data: Pick<DataLayer, 'repo' | 'blind' | 'audit'>): SyncPorts {
  const env = loadEnv(['syncBlobs']);
  const blobs = s3BlobStore({ s3: s3(), bucket: env.SYNC_BUCKET, kmsKeyId: env.SYNC_BUCKET_KEY_ID });
  return { repo: data.repo, blind: data.blind, audit: data.audit, now: Date.now, blobs };
}
