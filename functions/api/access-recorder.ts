/**
 * The API-access recorder every api module hands the handler toolkit
 * (`httpFunction(…, { authenticate, recordAccess: accessRecorder() })`): the toolkit never
 * imports a domain, so the domain's access line is injected here. It makes no AWS call once the
 * container holds the workspace's DEK: the line goes to the log, a log subscription delivers it
 * to the access-log ingest (functions/access-log/ingest.ts), which writes the entry.
 */
import { emitAccessLine, sealAccessLine } from '../access-log/access-line';
import type { Keyring } from '../crypto/keyring';
import { dataLayerFromEnv } from '../data/from-env';
import type { AccessRecord } from '../tenancy/principal';

export function accessRecorder(keyring: Pick<Keyring, 'current'> = dataLayerFromEnv().keyring): (entry: AccessRecord) => Promise<void> {
  return async (entry) => emitAccessLine(await sealAccessLine(keyring, entry));
}
