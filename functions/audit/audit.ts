/**
 * Audit trail: append-only, tamper-evident, per tenant.
 *
 * Events live in the tenant's partition (tenant prefix rule):
 *
 *     pk = T#<tenant>  sk = AUDIT#<seq, 12 digits>  _e = 'audit'
 *       seq, at (ISO), type, actor, requestId?,           -- plain: ids and names only
 *       sealed  = fv1(JSON { ip, userAgent, metadata })    -- personal data: encrypted
 *       prevHash, hash, ttl (TTL, epoch s)
 *     pk = T#<tenant>  sk = AUDITHEAD  _e = 'audit-head'  seq, hash   -- no TTL: anchors the tail
 *
 * hash = SHA-256 hex of canonical JSON
 *   ["fv-audit-1", tenantKey, seq, at, type, actor, requestId|null, sealed, prevHash, ttl]
 * and prevHash is the previous event's hash ("0"*64 for seq 1). Each append is
 * one TransactWrite: put the event if its seq is free AND move the head from
 * seq-1 to seq; on conflict it re-reads the head and retries, so concurrent
 * appends still form one chain. The head makes tail truncation detectable.
 * Events expire by TTL (retention days per tier, passed by the caller); a
 * chain whose oldest events expired verifies from the oldest remaining one.
 * Events are never re-encrypted on DEK rotation (the hash covers the
 * ciphertext); old DEK versions stay readable until the tenant is shredded.
 *
 * Public API (createAudit({ table, keyring, cursors, now? })):
 *   record(tenant, { type, actor, ip?, userAgent?, requestId?, metadata? }, { retentionDays })
 *        -> Promise<{ seq: number; hash: string }>
 *   verify(tenant) -> Promise<{ ok: true; count; firstSeq?; lastSeq? } | { ok: false; seq; reason; count }>
 *   list(tenant, { cursor?, limit?, oldestFirst? }) -> Promise<{ items: AuditEvent[]; cursor?: string }>
 */
import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { openField, sealField, sealedVersion } from '../crypto/field';
import type { Keyring } from '../crypto/keyring';
import { tenantKey, tenantPk, type Tenant } from '../tenancy/tenant';
import type { CursorCodec } from '../crypto/cursor';
import { isTransactionCanceled, partitionItems, type TableRef } from '../aws/table';

export const AUDIT_SK_PREFIX = 'AUDIT#';
export const AUDIT_HEAD_SK = 'AUDITHEAD';
export const GENESIS_HASH = '0'.repeat(64);
export const auditSk = (seq: number): string => `${AUDIT_SK_PREFIX}${String(seq).padStart(12, '0')}`;

export interface AuditEventInput {
  /** Dotted event name, e.g. `auth.login.succeeded`, `crypto.dek.rotated`. */
  readonly type: string;
  /** Who: `user#<id>`, `apikey#<id>`, `system`. Never an email. */
  readonly actor: string;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly requestId?: string;
  /** Encrypted at rest; keep it small (ids, counts, reasons). */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface AuditEvent {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly actor: string;
  readonly requestId?: string;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly metadata: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
  readonly ttl: number;
}

export type VerifyResult =
  | { readonly ok: true; readonly count: number; readonly firstSeq?: number; readonly lastSeq?: number }
  | { readonly ok: false; readonly count: number; readonly seq: number; readonly reason: string };

interface RawEvent {
  pk: string;
  sk: string;
  seq: number;
  at: string;
  type: string;
  actor: string;
  requestId?: string;
  sealed: string;
  prevHash: string;
  hash: string;
  ttl: number;
}

export interface AuditDeps {
  readonly table: TableRef;
  readonly keyring: Keyring;
  readonly cursors: CursorCodec;
  /** Milliseconds clock. @default Date.now */
  readonly now?: () => number;
}

const TYPE_RE = /^[a-z][a-z0-9_.-]{0,63}$/;

export function auditHash(tenant: Tenant, e: Omit<RawEvent, 'pk' | 'sk' | 'hash'>): string {
  const canon = JSON.stringify([
    'fv-audit-1',
    tenantKey(tenant),
    e.seq,
    e.at,
    e.type,
    e.actor,
    e.requestId ?? null,
    e.sealed,
    e.prevHash,
    e.ttl,
  ]);
  return createHash('sha256').update(canon, 'utf8').digest('hex');
}

export type Audit = ReturnType<typeof createAudit>;

export function createAudit(deps: AuditDeps) {
  const { table, keyring, cursors } = deps;
  const now = deps.now ?? Date.now;

  async function record(
    tenant: Tenant,
    input: AuditEventInput,
    opts: { retentionDays: number },
  ): Promise<{ seq: number; hash: string }> {
    if (!TYPE_RE.test(input.type)) throw new TypeError('audit type must be a short dotted name');
    if (typeof input.actor !== 'string' || input.actor.length < 1 || input.actor.length > 160) {
      throw new TypeError('audit actor must be 1..160 chars');
    }
    if (!(opts.retentionDays >= 1 && opts.retentionDays <= 3650)) throw new RangeError('retentionDays must be 1..3650');
    const pk = tenantPk(tenant);
    const secret = JSON.stringify({ ip: input.ip, userAgent: input.userAgent?.slice(0, 512), metadata: input.metadata ?? {} });
    if (secret.length > 16_384) throw new RangeError('audit metadata too large');

    for (let attempt = 0; ; attempt++) {
      const head = (
        await table.doc.send(new GetCommand({ TableName: table.name, Key: { pk, sk: AUDIT_HEAD_SK }, ConsistentRead: true }))
      ).Item as { seq: number; hash: string } | undefined;
      const seq = (head?.seq ?? 0) + 1;
      const sk = auditSk(seq);
      const t = now();
      const dek = await keyring.current(tenant);
      const body: Omit<RawEvent, 'pk' | 'sk' | 'hash'> = {
        seq,
        at: new Date(t).toISOString(),
        type: input.type,
        actor: input.actor,
        ...(input.requestId ? { requestId: input.requestId.slice(0, 128) } : {}),
        sealed: sealField(dek, { tenant, pk, sk, attribute: 'sealed' }, secret),
        prevHash: head?.hash ?? GENESIS_HASH,
        ttl: Math.floor(t / 1000) + Math.round(opts.retentionDays * 86_400),
      };
      const hash = auditHash(tenant, body);
      try {
        await table.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: table.name,
                  Item: { ...body, pk, sk, _e: 'audit', hash },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: table.name,
                  Item: { pk, sk: AUDIT_HEAD_SK, _e: 'audit-head', seq, hash },
                  ...(head
                    ? { ConditionExpression: 'seq = :prev', ExpressionAttributeValues: { ':prev': head.seq } }
                    : { ConditionExpression: 'attribute_not_exists(pk)' }),
                },
              },
            ],
          }),
        );
        return { seq, hash };
      } catch (err) {
        if (!isTransactionCanceled(err) || attempt >= 40) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(5 * 2 ** attempt, 100)));
      }
    }
  }

  async function* allEvents(tenant: Tenant): AsyncGenerator<RawEvent> {
    for await (const it of partitionItems(table, tenantPk(tenant), { skPrefix: AUDIT_SK_PREFIX })) yield it as unknown as RawEvent;
  }

  async function verify(tenant: Tenant): Promise<VerifyResult> {
    let prev: RawEvent | undefined;
    let first: number | undefined;
    let count = 0;
    const fail = (seq: number, reason: string): VerifyResult => ({ ok: false, count, seq, reason });
    for await (const e of allEvents(tenant)) {
      count++;
      if (e.sk !== auditSk(e.seq)) return fail(e.seq, 'sequence number does not match the sort key');
      if (auditHash(tenant, e) !== e.hash) return fail(e.seq, 'event content does not match its hash');
      if (prev) {
        if (e.seq !== prev.seq + 1) return fail(e.seq, `gap: event ${prev.seq + 1} is missing`);
        if (e.prevHash !== prev.hash) return fail(e.seq, 'prevHash does not match the previous event');
      } else {
        first = e.seq;
        if (e.seq === 1 && e.prevHash !== GENESIS_HASH) return fail(e.seq, 'first event does not start the chain');
      }
      prev = e;
    }
    const head = (
      await table.doc.send(
        new GetCommand({ TableName: table.name, Key: { pk: tenantPk(tenant), sk: AUDIT_HEAD_SK }, ConsistentRead: true }),
      )
    ).Item as { seq: number; hash: string } | undefined;
    if (prev) {
      if (!head) return fail(prev.seq, 'chain head is missing');
      if (head.seq !== prev.seq || head.hash !== prev.hash) {
        return fail(prev.seq + 1, 'events after this point were removed (head mismatch)');
      }
    }
    // count === 0 with a head: every event expired by TTL.
    return { ok: true, count, firstSeq: first, lastSeq: prev?.seq };
  }

  async function open(tenant: Tenant, e: RawEvent): Promise<AuditEvent> {
    const dek = await keyring.get(tenant, sealedVersion(e.sealed));
    const s = JSON.parse(openField(dek, { tenant, pk: e.pk, sk: e.sk, attribute: 'sealed' }, e.sealed).toString('utf8')) as {
      ip?: string;
      userAgent?: string;
      metadata: Record<string, unknown>;
    };
    return {
      seq: e.seq,
      at: e.at,
      type: e.type,
      actor: e.actor,
      ...(e.requestId ? { requestId: e.requestId } : {}),
      ...(s.ip ? { ip: s.ip } : {}),
      ...(s.userAgent ? { userAgent: s.userAgent } : {}),
      metadata: s.metadata,
      prevHash: e.prevHash,
      hash: e.hash,
      ttl: e.ttl,
    };
  }

  async function list(
    tenant: Tenant,
    o: { cursor?: string; limit?: number; oldestFirst?: boolean } = {},
  ): Promise<{ items: AuditEvent[]; cursor?: string }> {
    const qid = `audit|${o.oldestFirst ? 'asc' : 'desc'}`;
    const start = o.cursor === undefined ? undefined : await cursors.decode(tenant, qid, o.cursor);
    const page = await table.doc.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': tenantPk(tenant), ':p': AUDIT_SK_PREFIX },
        ScanIndexForward: !!o.oldestFirst,
        Limit: Math.min(Math.max(Math.trunc(o.limit ?? 50), 1), 500),
        ExclusiveStartKey: start,
      }),
    );
    const nowS = now() / 1000;
    const items: AuditEvent[] = [];
    for (const raw of (page.Items ?? []) as RawEvent[]) {
      if (raw.ttl <= nowS) continue;
      items.push(await open(tenant, raw));
    }
    return { items, cursor: page.LastEvaluatedKey ? await cursors.encode(tenant, qid, page.LastEvaluatedKey) : undefined };
  }

  return { record, verify, list };
}
