/**
 * Apply one chunk: the worker's unit of work, also used by browser-paced mode.
 * Named steps, each a conditional write or a Cloudflare call:
 *
 *   load ─▶ claim ─▶ connect ─▶ (renew lease ─▶ reconcile if ambiguous ─▶ call Cloudflare)×tries ─▶ settle
 *
 * A claim of a chunk that was already `applying` (a worker died or timed out
 * after it may have sent the batch), or one marked `ambiguous` (5xx/timeout
 * after sending), first RECONCILES: it reads the zone and decides from live
 * state whether the all-or-nothing batch was applied (→ settle done, with the
 * created record ids found by identity) or not (→ send again). So a change is
 * applied at most once however often the message is delivered.
 *
 * A batch Cloudflare rejects (4xx, not 401/403/429) applied nothing and names
 * no change (the first error only), so the worker ISOLATES the bad change(s):
 * the rejected part is split in halves and each half sent on its own (every
 * send behind the limiter like any call), down to single changes, which fail
 * with their own reason; every good change lands. k bad changes in n cost at
 * most 1 + 2·k·⌈log2 n⌉ batches. A half that was rejected applied nothing, so
 * resending its halves applies nothing twice.
 */
import { CfCallError, type CfApi } from '../cloudflare/bulk-client';
import { LimiterDeferral } from '../cloudflare/wait-bound';
import { DomainError } from '../errors';
import type { Tenant } from '../tenancy/tenant';
import { backoffMs } from './backoff';
import { reconcile } from './chunk-reconcile';
import { sendChunk, type WorkItem } from './chunk-send';
import type { JobsDeps } from './deps';
import { settle } from './lifecycle';
import { messageTenant, type ChunkMessage } from './messages';
import { APPLYING_STATUSES, TERMINAL_CHUNK, zoneOfChunk, type ChunkOutcome, type ChunkRow, type JobRow } from './model';
import { findChunk, findJob, findZone, loadPlanItems } from './reads';
import { leaseFor, RetryableError, type DeliveryOptions } from './retryable';

export type ChunkResult = 'settled' | 'busy' | 'absent';

export class ChunkRetryableError extends RetryableError {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkRetryableError';
  }
}

export type ProcessOptions = DeliveryOptions;

/**
 * Resolves 'settled' (done/failed/cancelled, or already settled by anyone),
 * 'busy' (another owner holds a live lease), 'absent' (no such job or chunk).
 * Throws ChunkRetryableError when the chunk should be retried later (the
 * message returns to the queue).
 */
export async function processChunk(deps: JobsDeps, msg: ChunkMessage, o: ProcessOptions): Promise<ChunkResult> {
  const tenant = messageTenant(msg);
  const loaded = await loadChunkWork(deps, tenant, msg);
  if (typeof loaded === 'string') return loaded;
  const { job, chunk, pending } = loaded;
  // Chunks are enqueued only once the drift check passed; anything else is a stray message.
  if (!APPLYING_STATUSES.includes(job.status) && job.status !== 'cancelled') return 'absent';
  if (job.status === 'cancelled' && chunk.status === 'pending') {
    await settle(deps, tenant, chunk, { status: 'cancelled', outcome: chunk.outcome, done: 0, failed: 0, cancelled: pending.length }, { status: 'pending' });
    return 'settled';
  }
  const leaseMs = leaseFor(deps.config.leaseMs, o);
  const claimed = await deps.store.claimChunk(tenant, job.jobId, chunk.chunk, { owner: o.owner, now: deps.now(), leaseMs });
  if (!claimed) {
    const again = await findChunk(deps, tenant, job.jobId, chunk.chunk);
    return !again || TERMINAL_CHUNK.includes(again.status) ? 'settled' : 'busy';
  }
  if (job.status === 'queued') await deps.store.markRunning(tenant, job.jobId);
  // A previous claim that never settled may have sent the batch: reconcile before sending.
  const ambiguous = chunk.status === 'applying' || !!chunk.ambiguous;
  return new ChunkApplication(deps, tenant, job, chunk, pending, { ...o, leaseMs, attempts: claimed.attempts, ambiguous }).run();
}

/** Step 1, load: the job, the chunk (unless settled) and the changes it still has to apply. */
async function loadChunkWork(deps: JobsDeps, tenant: Tenant, msg: ChunkMessage): Promise<'absent' | 'settled' | { job: JobRow; chunk: ChunkRow; pending: WorkItem[] }> {
  const job = await findJob(deps, tenant, msg.jobId);
  if (!job) return 'absent';
  const chunk = await findChunk(deps, tenant, msg.jobId, msg.chunk);
  if (!chunk) return 'absent';
  if (TERMINAL_CHUNK.includes(chunk.status)) return 'settled';
  const items = await loadPlanItems(deps, tenant, msg.jobId, msg.chunk);
  const pending = items.map((it, idx) => ({ idx, it })).filter(({ idx, it }) => !it.skip && (!chunk.only || chunk.only.includes(idx)));
  return { job, chunk, pending };
}

interface Claim extends ProcessOptions {
  leaseMs: number;
  /** Claims of the chunk so far, this one included. */
  attempts: number;
  ambiguous: boolean;
}

/** Steps 2–5 of one claimed chunk: connect, send (renewing the lease, reconciling, bisecting 400s), settle. */
class ChunkApplication {
  private readonly outcome: ChunkOutcome;
  /** Parts of the chunk still to send, each one all-or-nothing call; the first is sent next. */
  private parts: WorkItem[][];
  private ambiguous: boolean;
  private lastError = 'unknown error';
  /** Bad changes isolated so far (at most maxBisect per chunk). */
  private bisected = 0;
  /** Epoch ms the lease may never pass (the invocation's end, less a second). */
  private deadline = Number.POSITIVE_INFINITY;
  /** A part landed under this claim (its outcome is only in memory until settled). */
  private landed = false;

  constructor(
    private readonly deps: JobsDeps,
    private readonly tenant: Tenant,
    private readonly job: JobRow,
    private readonly chunk: ChunkRow,
    private readonly pending: readonly WorkItem[],
    private readonly claim: Claim,
  ) {
    this.outcome = { created: { ...(chunk.outcome?.created ?? {}) }, failed: {}, error: null };
    this.parts = pending.length ? [[...pending]] : [];
    this.ambiguous = claim.ambiguous;
  }

  async run(): Promise<ChunkResult> {
    const cf = await this.connect();
    if (!cf) return this.settle('failed');
    if (this.claim.remainingMs !== undefined) this.deadline = this.deps.now() + this.claim.remainingMs - 1_000;
    const { config } = this.deps;
    for (let attempt = 0; attempt < config.triesPerAttempt; ) {
      const part = this.parts[0];
      if (!part) return this.settle('done');
      if (!(await this.renewLease())) throw new ChunkRetryableError(`chunk ${this.chunk.chunk}: lease lost or deadline near; not sending`);
      try {
        if (this.ambiguous) {
          const r = await reconcile(cf, this.chunk.zoneId, part);
          if (r.state === 'applied') {
            Object.assign(this.outcome.created, r.created);
            this.parts.shift();
            this.ambiguous = false;
            continue;
          }
          if (r.state === 'drifted') return this.fail(this.work, r.reason);
          this.ambiguous = false;
        }
        const plan = part[0]!.it.action === 'purge' ? await this.zonePlan() : undefined;
        await sendChunk(cf, this.chunk.zoneId, part, this.outcome, plan);
        this.parts.shift();
        this.landed = true;
        attempt = 0; // tries count per part: a landed part resets them
      } catch (e) {
        if (e instanceof LimiterDeferral) return this.defer(e);
        // Not a Cloudflare answer (DynamoDB, a bug, the invocation dying): leave the claim as it is;
        // the redelivery reconciles once the lease has expired.
        if (!(e instanceof CfCallError)) throw e;
        this.lastError = e.message;
        if (e.kind === 'rejected') {
          if (this.isolate(part, e)) continue; // not an attempt: the rejected part applied nothing; its halves go next
          return this.fail(this.work, e.message);
        }
        if (e.kind === 'auth') return this.fail(this.work, e.message);
        if (e.kind === 'ambiguous' && this.work[0]!.it.action !== 'purge') {
          this.ambiguous = true;
          await this.deps.store.markAmbiguous(this.tenant, this.job.jobId, this.chunk.chunk, this.claim.owner);
        }
        attempt++;
        if (attempt < config.triesPerAttempt) await this.deps.sleep(backoffMs(config, attempt, e.detail.retryAfterSeconds));
      }
    }
    return this.outOfTries();
  }

  /** The zone's plan as listed when planned (its purge bucket paces a purge): the job's zone item, or an older job's summary. */
  private async zonePlan(): Promise<string | undefined> {
    const summarized = this.job.zones?.find((z) => z.zoneId === this.chunk.zoneId)?.plan;
    if (summarized) return summarized;
    const zone = await findZone(this.deps, this.tenant, this.job.jobId, zoneOfChunk(this.chunk.chunk));
    return zone?.zone.id === this.chunk.zoneId ? zone.zone.plan : undefined;
  }

  /** The tenant's Cloudflare connection; a disconnected account fails the chunk's items. */
  private async connect(): Promise<CfApi | undefined> {
    try {
      return await this.deps.connect(this.tenant, this.job.accountId);
    } catch (e) {
      this.failItems(this.work, e instanceof DomainError ? e.message : 'Cloudflare account unavailable');
      this.outcome.error = 'Cloudflare account unavailable';
      return undefined;
    }
  }

  /** Before every send: still ours? Extend the lease (never past the invocation's deadline). */
  private async renewLease(): Promise<boolean> {
    const now = this.deps.now();
    const until = Math.min(now + this.claim.leaseMs, this.deadline);
    if (until - now < 2_000 && until !== now + this.claim.leaseMs) return false; // too close to the deadline to send safely
    return this.deps.store.renewLease(this.tenant, this.job.jobId, this.chunk.chunk, { owner: this.claim.owner, now, until });
  }

  /** The changes not yet applied nor failed (every remaining part). */
  private get work(): WorkItem[] {
    return this.parts.flat();
  }

  /**
   * A rejected part (nothing applied; Cloudflare names no change): a single change fails with its
   * own reason; a DNS batch of several is replaced by its two halves, sent next. False (→ the rest
   * of the chunk fails with the error) for settings/purge, or past maxBisect bad changes.
   */
  private isolate(part: WorkItem[], e: CfCallError): boolean {
    if (this.bisected >= this.deps.config.maxBisect) return false;
    if (part.length === 1) {
      this.failItems(part, e.message);
      this.parts.shift();
      this.bisected++;
      return true;
    }
    const action = part[0]!.it.action;
    if (action === 'setting' || action === 'purge') return false;
    const mid = Math.ceil(part.length / 2);
    this.parts.splice(0, 1, part.slice(0, mid), part.slice(mid));
    return true;
  }

  /**
   * The next slot is farther than this delivery can wait: nothing more is sent; the chunk goes back
   * to `pending` with no attempt counted (run-message.ts re-sends the message delayed). Ambiguous
   * if a send may have landed, so the next claim reconciles first, as after a lost lease.
   */
  private async defer(e: LimiterDeferral): Promise<never> {
    await this.deps.store.deferChunk(this.tenant, this.job.jobId, this.chunk.chunk, this.claim.owner, this.ambiguous || this.landed);
    throw e;
  }

  /** Out of tries for this delivery: fail for good on the last one (→ DLQ), else hand the chunk back to the queue. */
  private async outOfTries(): Promise<never> {
    const { chunk } = this;
    if (this.claim.attempts >= this.deps.config.maxAttempts || this.claim.receiveCount >= this.claim.maxReceiveCount) {
      const reason = `gave up after ${this.claim.attempts} deliveries: ${this.lastError}`;
      await this.fail(this.work, reason);
      throw new ChunkRetryableError(`chunk ${chunk.chunk} failed for good (${reason}); message goes to the DLQ`);
    }
    // Release the lease so the redelivery can claim at once; keep `ambiguous` for the next claim.
    await this.deps.store.releaseLease(this.tenant, this.job.jobId, chunk.chunk, this.claim.owner);
    throw new ChunkRetryableError(`chunk ${chunk.chunk}: ${this.lastError}`);
  }

  private failItems(xs: readonly WorkItem[], reason: string): void {
    for (const w of xs) this.outcome.failed[String(w.idx)] = reason;
  }

  private fail(xs: readonly WorkItem[], reason: string): Promise<'settled'> {
    this.failItems(xs, reason);
    this.outcome.error = reason;
    return this.settle('failed');
  }

  /** Last step: settle with the outcome (failed when nothing was done), counted on the job exactly once. */
  private async settle(status: 'done' | 'failed'): Promise<'settled'> {
    const failed = Object.keys(this.outcome.failed).length;
    const done = this.pending.length - failed;
    await settle(
      this.deps,
      this.tenant,
      this.chunk,
      { status: done === 0 && failed > 0 ? 'failed' : status, outcome: this.outcome, done, failed, cancelled: 0 },
      { status: 'applying', owner: this.claim.owner },
    );
    return 'settled';
  }
}
