/**
 * The client's wrapped master key: an opaque blob the server cannot use, versioned.
 *
 *   putWrappedKey(deps, subject, { blob, expectedVersion }, ctx) -> { version, updatedAt }   (audited: stored / rotated)
 *       first key: expectedVersion 0 (or absent); a replacement names the current version;
 *       otherwise 409 `key-version-conflict` { currentVersion }. A burst: exactly one wins.
 *       Every version stays (SYNCKEYV#), a replacement emits `key_rotated`.
 *   getWrappedKey(deps, tenant) -> { blob, version, updatedAt, updatedBy }          (404 key-not-found)
 *   listWrappedKeyVersions(deps, tenant) -> [{ version, blob, updatedAt, updatedBy }] (oldest first)
 */
import { ConflictError } from '../data/errors';
import type { Stored } from '../data/repository';
import { DomainError } from '../errors';
import type { Tenant } from '../tenancy/tenant';
import { blobBytes, checkBlobSize } from './blobs';
import { queryAll, type SyncDeps } from './deps';
import { checkSubject, WRAPPED_KEY_SK, WrappedKeyEntity, WrappedKeyVersionEntity, wrappedKeyVersionSk, type SyncSubject, type WrappedKeyItem } from './entities';
import { addEvent } from './events';
import { auditSync, type RequestContext } from './audit';

/** A wrapped 256-bit key with its KDF parameters is far below this. */
export const WRAPPED_KEY_BYTES = 4096;

const versionConflict = (currentVersion: number) =>
  new DomainError('conflict', 'The wrapped key is at another version; read it again before replacing it', { code: 'key-version-conflict', extra: { currentVersion } });

export async function putWrappedKey(deps: SyncDeps, subject: SyncSubject, input: { blob: string; expectedVersion?: number }, ctx: RequestContext) {
  checkSubject(subject);
  const bytes = blobBytes(input?.blob);
  checkBlobSize(bytes, WRAPPED_KEY_BYTES, 'wrapped key');
  const expected = input.expectedVersion ?? 0;
  if (!Number.isInteger(expected) || expected < 0) {
    throw new DomainError('invalid', 'expectedVersion is the current key version (0 for the first key)', { fields: [{ in: 'body', field: 'expectedVersion', message: 'must be an integer ≥ 0' }] });
  }
  const current = await deps.repo.get(subject.tenant, WrappedKeyEntity, WRAPPED_KEY_SK);
  if ((current?.version ?? 0) !== expected) throw versionConflict(current?.version ?? 0);
  const ms = deps.now();
  const version = expected + 1;
  const item: WrappedKeyItem = { blob: input.blob, bytes, updatedAt: new Date(ms).toISOString(), updatedBy: subject.deviceId };
  const tx = deps.repo.tx(subject.tenant);
  if (current) tx.put(WrappedKeyEntity, WRAPPED_KEY_SK, item, { expectedVersion: expected });
  else tx.create(WrappedKeyEntity, WRAPPED_KEY_SK, item);
  tx.create(WrappedKeyVersionEntity, wrappedKeyVersionSk(version), item);
  if (current) addEvent(tx, ms, subject, 'key_rotated', { version });
  try {
    await tx.commit();
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    const now = await deps.repo.get(subject.tenant, WrappedKeyEntity, WRAPPED_KEY_SK);
    throw versionConflict(now?.version ?? 0);
  }
  await auditSync(deps, subject, ctx, current ? 'sync.key.rotated' : 'sync.key.stored', { version });
  return { version, updatedAt: item.updatedAt };
}

const keyView = (k: Stored<WrappedKeyItem>, version = k.version) => ({ blob: k.blob, version, updatedAt: k.updatedAt, updatedBy: k.updatedBy });

export async function getWrappedKey(deps: Pick<SyncDeps, 'repo'>, tenant: Tenant) {
  const k = await deps.repo.get(tenant, WrappedKeyEntity, WRAPPED_KEY_SK);
  if (!k) throw new DomainError('not-found', 'No wrapped key is stored yet', { code: 'key-not-found' });
  return keyView(k);
}

export async function listWrappedKeyVersions(deps: Pick<SyncDeps, 'repo'>, tenant: Tenant) {
  const versions = await queryAll(deps, tenant, WrappedKeyVersionEntity, 'SYNCKEYV#');
  return versions.map((k) => keyView(k, Number(k.sk.slice('SYNCKEYV#'.length))));
}
