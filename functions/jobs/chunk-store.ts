/**
 * The jobs store's chunk writes (store.ts): claim, lease, defer, settle, requeue — each a conditional update.
 */
import type { Tenant } from '../tenancy/tenant';
import { chunkSk, ChunkEntity, iso, jobSk, JobEntity, type ChunkOutcome } from './model';
import { TxConditionFailed } from './table-writes';
import type { StoreKit } from './store-kit';

/** What a settle writes: the chunk's final status and outcome, and what it adds to the job's counters. */
export interface Settlement {
  status: 'done' | 'failed' | 'cancelled';
  outcome: ChunkOutcome;
  done: number;
  failed: number;
  cancelled: number;
}

/** The state a settle expects the chunk in: `applying` by this owner, or `pending` (cancel). */
export interface SettleExpectation {
  status: 'applying' | 'pending';
  /** When given (non-empty), the claim's owner must match. */
  owner?: string;
}

export type SettleResult = 'settled' | 'lost' | 'conflict';

export function chunkWrites(k: StoreKit) {
  const { w, chunkUpdate, claimSpec } = k;
  return {
    /** Claim a `pending` chunk, or an `applying` one whose lease expired: owner, lease, attempts + 1. Undefined when not claimable. */
    async claimChunk(tenant: Tenant, jobId: string, n: number, claim: { owner: string; now: number; leaseMs: number }): Promise<{ attempts: number; version: number } | undefined> {
      const raw = await chunkUpdate(tenant, jobId, n, claimSpec('applying', claim));
      return raw && { attempts: Number(raw.attempts), version: Number(raw.version) };
    },

    /** Extend the owner's live lease to `until`. False when the lease was lost. */
    async renewLease(tenant: Tenant, jobId: string, n: number, lease: { owner: string; now: number; until: number }): Promise<boolean> {
      const ok = await chunkUpdate(tenant, jobId, n, {
        set: { leaseUntil: lease.until },
        condition: '#owner = :o AND #st = :a AND leaseUntil > :now',
        names: { '#owner': 'owner', '#st': 'status' },
        values: { ':o': lease.owner, ':a': 'applying', ':now': lease.now },
      });
      return !!ok;
    },

    /** A send may have reached Cloudflare unanswered: the next claim reconciles first. */
    async markAmbiguous(tenant: Tenant, jobId: string, n: number, owner: string): Promise<void> {
      await chunkUpdate(tenant, jobId, n, { set: { ambiguous: true }, condition: '#owner = :o', names: { '#owner': 'owner' }, values: { ':o': owner } });
    },

    /** Give the lease up (keeping `ambiguous`) so a redelivery can claim at once. */
    async releaseLease(tenant: Tenant, jobId: string, n: number, owner: string): Promise<void> {
      await chunkUpdate(tenant, jobId, n, {
        set: { leaseUntil: 0 },
        condition: '#owner = :o AND #st = :a',
        names: { '#owner': 'owner', '#st': 'status' },
        values: { ':o': owner, ':a': 'applying' },
      });
    },

    /**
     * Hand a claimed chunk back untried (a limiter deferral): `pending` again, the claim not counted as
     * an attempt; `ambiguous` when a send of this or an earlier claim may have landed (the next claim
     * reconciles first).
     */
    async deferChunk(tenant: Tenant, jobId: string, n: number, owner: string, ambiguous: boolean): Promise<void> {
      await chunkUpdate(tenant, jobId, n, {
        set: { status: 'pending', owner: null, leaseUntil: 0, ambiguous },
        add: { attempts: -1 },
        condition: '#owner = :o AND #st = :a',
        names: { '#owner': 'owner', '#st': 'status' },
        values: { ':o': owner, ':a': 'applying' },
      });
    },

    /**
     * Settle a chunk and add its items to the job's counters in one transaction (exactly once).
     * 'lost': the chunk was not in the expected state (another settle counted it);
     * 'conflict': concurrent settles of the job kept conflicting (the caller retries).
     */
    async settleChunk(tenant: Tenant, jobId: string, n: number, s: Settlement, expect: SettleExpectation, now: number): Promise<SettleResult> {
      const chunkEnd = await w.buildUpdate(tenant, ChunkEntity, chunkSk(jobId, n), {
        set: { status: s.status, outcome: s.outcome, settledAt: iso(now), leaseUntil: 0, ambiguous: false },
        condition: expect.owner ? '#st = :expect AND #owner = :owner' : '#st = :expect',
        names: { '#st': 'status', ...(expect.owner ? { '#owner': 'owner' } : {}) },
        values: { ':expect': expect.status, ...(expect.owner ? { ':owner': expect.owner } : {}) },
      });
      const counters = await w.buildUpdate(tenant, JobEntity, jobSk(jobId), {
        set: { lastActivityAt: iso(now) },
        add: { done: s.done, failed: s.failed, cancelled: s.cancelled, chunksSettled: 1 },
      });
      try {
        await w.transact([{ Update: chunkEnd }, { Update: counters }]);
        return 'settled';
      } catch (e) {
        if (e instanceof TxConditionFailed) return e.index === -1 ? 'conflict' : 'lost';
        throw e;
      }
    },

    /** Retry: a settled chunk goes back to `pending` for its failed items `only` (if unchanged since read). */
    async requeueFailedItems(tenant: Tenant, jobId: string, chunk: { chunk: number; version: number; created: Record<string, string> }, only: number[]): Promise<boolean> {
      const ok = await chunkUpdate(tenant, jobId, chunk.chunk, {
        set: { status: 'pending', only, attempts: 0, ambiguous: false, owner: null, leaseUntil: 0, settledAt: null, outcome: { created: chunk.created, failed: {}, error: null } },
        condition: '#version = :v',
        values: { ':v': chunk.version },
      });
      return !!ok;
    },

  };
}
