/**
 * Wiring: the data layer for one container, from the environment.
 *
 *   createDataLayer({ table, wrapper, ttlMs?, maxEntries?, now? }) -> DataLayer
 *   dataLayerFromEnv() -> DataLayer     // once per container: TABLE_NAME, KMS_KEY_ID via loadEnv(['table','keys'])
 *   interface DataLayer { table; wrapper; keyring; blind; cursors; repo; audit }
 */
import { createAudit, type Audit } from '../audit/audit';
import { createBlindIndexer, type BlindIndexer } from '../crypto/blind-index';
import { createKeyring, type Keyring } from '../crypto/keyring';
import { kmsKeyWrapperFromEnv, type KeyWrapper, type KmsOp } from '../crypto/kms';
import { cursorCodecFrom, type CursorCodec } from '../crypto/cursor';
import { createRepository, type Repository } from './repository';
import { tableFromEnv, type TableRef } from '../aws/table';

export interface DataLayer {
  readonly table: TableRef;
  readonly wrapper: KeyWrapper;
  readonly keyring: Keyring;
  readonly blind: BlindIndexer;
  readonly cursors: CursorCodec;
  readonly repo: Repository;
  readonly audit: Audit;
}

export function createDataLayer(opts: {
  table: TableRef;
  wrapper: KeyWrapper;
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}): DataLayer {
  const { table, wrapper, now } = opts;
  const keyring = createKeyring({ table, wrapper, ttlMs: opts.ttlMs, maxEntries: opts.maxEntries, now });
  const blind = createBlindIndexer({ table, wrapper });
  const cursors = cursorCodecFrom(blind);
  return {
    table,
    wrapper,
    keyring,
    blind,
    cursors,
    repo: createRepository({ table, keyring, cursors, now }),
    audit: createAudit({ table, keyring, cursors, now }),
  };
}

let shared: DataLayer | undefined;

/** One data layer per container (plain DEK cache shared by every request). */
export function dataLayerFromEnv(onKmsCall?: (op: KmsOp) => void): DataLayer {
  shared ??= createDataLayer({ table: tableFromEnv(), wrapper: kmsKeyWrapperFromEnv(onKmsCall) });
  return shared;
}
