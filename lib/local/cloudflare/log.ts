/** A bounded, in-order log of the requests the sandbox saw. */
import type { FaultKind } from './faults';

export interface LogEntry {
  seq: number;
  /** ISO time the request arrived. */
  time: string;
  method: string;
  /** Path below the API base (e.g. `/zones/…/dns_records`), query included. */
  path: string;
  /** Last 4 characters of the bearer token, or null. */
  tokenHint: string | null;
  /** 0 when no answer was sent (timeout, dropped connection, client gave up). */
  status: number;
  durationMs: number;
  fault?: FaultKind;
  /** The change was applied before the injected fault. */
  afterApply?: boolean;
  /** Answered 429 by the rate limiter (not an injected fault). */
  rateLimited?: boolean;
  /** Cloudflare error codes in the answer. */
  errorCodes?: number[];
}

export class RequestLog {
  private items: LogEntry[] = [];
  private seq = 0;
  constructor(private readonly limit = 20_000) {}

  add(e: Omit<LogEntry, 'seq'>): LogEntry {
    const entry = { seq: ++this.seq, ...e };
    this.items.push(entry);
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
    return entry;
  }

  /** Entries, optionally only those after `sinceSeq`. */
  entries(sinceSeq = 0): LogEntry[] {
    return this.items.filter((e) => e.seq > sinceSeq);
  }

  get lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.items = [];
  }
}
