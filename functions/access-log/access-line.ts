/**
 * The access line: what an authenticated call leaves for the API-access log. The request makes no
 * AWS call for it: the handler toolkit emits ONE structured log line (message `ACCESS_LOG_LINE`),
 * a CloudWatch Logs subscription (manifest `logSubscriptions`) delivers it to the ingest
 * (`ingest.ts`), which writes the entry with `recordAccess`.
 *
 *   sealAccessLine(keyring, call) -> AccessLine   in the request: IP and user agent sealed with the
 *                                                 current DEK of the credential's workspace (cached
 *                                                 per container: no AWS call once warm)
 *   emitAccessLine(line)                          the one INFO line, on the access logger
 *   openAccessLine(keyring, value) -> AccessCall  in the ingest: validated, IP and user agent opened
 *
 * Why sealed: the table keeps IP and user agent encrypted per tenant; a log line in plaintext would
 * put them, readable to anyone who may read the log group, beside it for the log's retention, and
 * out of reach of the workspace's crypto-shredding. Sealed, they stay ciphertext end to end.
 * The AAD binds each sealed value to its tenant, its request id and its field, so it cannot be
 * moved to another line or field.
 */
import * as z from 'zod';
import type { Keyring } from '../crypto/keyring';
import { openField, sealField, sealedVersion, type FieldContext } from '../crypto/field';
import { accessLogger } from '../observability/logger';
import { ACCESS_LOG_LINE } from '../platform/names';
import { TIERS } from '../platform/tiers';
import type { AccessRecord } from '../tenancy/principal';
import { parseTenantKey, tenantKey, tenantPk, type Tenant } from '../tenancy/tenant';
import type { AccessCall } from './access-log';

const Sealed = z.string().regex(/^fv1\./, 'must be sealed (fv1.)');

/** The `access` object of a line; `v` names this shape. */
export const AccessLineSchema = z.object({
  v: z.literal(1),
  requestId: z.string().min(1).max(256),
  startedAt: z.number().int().nonnegative(),
  /** tenantKey of the credential's workspace: whose DEK sealed `ip` and `userAgent`. */
  tenant: z.string().min(1).max(80),
  tier: z.enum(TIERS),
  userId: z.string().min(1).max(128),
  credential: z.enum(['session', 'api-key']),
  credentialId: z.string().min(1).max(128),
  operationId: z.string().min(1).max(128),
  method: z.string().min(1).max(16),
  /** The workspace the path names, when it does. */
  workspaceId: z.string().min(1).max(128).optional(),
  status: z.number().int().min(100).max(599),
  latencyMs: z.number().nonnegative(),
  ip: Sealed,
  userAgent: Sealed,
});
export type AccessLine = z.infer<typeof AccessLineSchema>;

const sealContext = (tenant: Tenant, requestId: string, attribute: 'ip' | 'userAgent'): FieldContext => ({
  tenant,
  pk: tenantPk(tenant),
  sk: `ACCESSLINE#${requestId}`,
  attribute,
});

export async function sealAccessLine(keyring: Pick<Keyring, 'current'>, call: AccessRecord): Promise<AccessLine> {
  const { principal } = call;
  const tenant = principal.tenant;
  const dek = await keyring.current(tenant);
  const workspaceId = call.params?.workspaceId;
  return {
    v: 1,
    requestId: call.requestId,
    startedAt: call.startedAt,
    tenant: tenantKey(tenant),
    tier: principal.tier,
    userId: principal.userId,
    credential: principal.credential,
    credentialId: principal.credentialId,
    operationId: call.operationId,
    method: call.method,
    ...(typeof workspaceId === 'string' ? { workspaceId } : {}),
    status: call.status,
    latencyMs: Math.max(0, Math.round(call.latencyMs)),
    ip: sealField(dek, sealContext(tenant, call.requestId, 'ip'), call.ip),
    userAgent: sealField(dek, sealContext(tenant, call.requestId, 'userAgent'), call.userAgent),
  };
}

/** The line the subscription filter selects: `{ "message": ACCESS_LOG_LINE, "access": {…}, … }`. */
export function emitAccessLine(line: AccessLine): void {
  accessLogger.info(ACCESS_LOG_LINE, { access: line });
}

/** Throws a ZodError (malformed), DecryptionError (tampered) or KeyNotFoundError (shredded workspace). */
export async function openAccessLine(keyring: Pick<Keyring, 'get'>, value: unknown): Promise<AccessCall> {
  const line = AccessLineSchema.parse(value);
  const tenant = parseTenantKey(line.tenant);
  const open = async (attribute: 'ip' | 'userAgent') => {
    const dek = await keyring.get(tenant, sealedVersion(line[attribute]));
    return openField(dek, sealContext(tenant, line.requestId, attribute), line[attribute]).toString('utf8');
  };
  const [ip, userAgent] = await Promise.all([open('ip'), open('userAgent')]);
  return {
    principal: { tenant, tier: line.tier, userId: line.userId, credential: line.credential, credentialId: line.credentialId },
    operationId: line.operationId,
    method: line.method,
    params: line.workspaceId === undefined ? undefined : { workspaceId: line.workspaceId },
    status: line.status,
    latencyMs: line.latencyMs,
    requestId: line.requestId,
    ip,
    userAgent,
    startedAt: line.startedAt,
  };
}
