/**
 * Browser-paced mode: the dashboard applies a small job's chunks one at a time
 * through `POST /jobs/{id}/chunks/{n}/apply` (same claim, idempotency and
 * limiter as the server's workers). The chunk route is idempotent, so a run
 * always starts at the first chunk: after a reload, "Continue in this browser"
 * simply walks the chunks again and the settled ones come back as no-ops.
 * Chunks are walked by the numbers the planned job lists (`plan.chunkNumbers`:
 * chunks are numbered per zone). Apply first runs the drift check on the server:
 * the run is armed at apply and starts once the job is `running`.
 */
import { useQueryClient } from '@tanstack/react-query';
import { Pause, Play, Square } from 'lucide-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { call } from '../api/operations';
import { isActive, keys } from '../api/queries';
import type { Job } from '../api/types';
import { useCan } from '../lib/workspace';
import { DeniedReason } from './Denied';
import { Button, ErrorAlert } from './ui';

/**
 * Plans of at most this many chunks may run in the browser. Browser pacing needs the tab to stay
 * open for the whole job (one request per chunk, each waiting its turn in the token's limiter), and
 * the server cancels browser jobs left idle for an hour; 20 chunks is at most ~4,000 changes on Free
 * zones and a few minutes of work. Anything larger belongs on the server queue, which keeps going
 * when the browser closes.
 */
export const BROWSER_MAX_CHUNKS = 20;

export const canRunInBrowser = (job: Job): boolean => !!job.plan.chunkNumbers && job.plan.chunks > 0 && job.plan.chunks <= BROWSER_MAX_CHUNKS;

/** A browser-paced job whose chunks the browser may send now (the drift check passed). */
const isOpenInBrowser = (job: Job): boolean => job.mode === 'browser' && job.status === 'running';

type Phase = 'idle' | 'running' | 'waiting' | 'paused' | 'stopped' | 'finished';
export interface BrowserRunState {
  phase: Phase;
  /** Chunks walked in this run (settled or no-op). */
  done: number;
  total: number;
  /** Seconds left of a 429's Retry-After while phase is `waiting`. */
  waitSeconds: number;
  error: unknown;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(new DOMException('Aborted', 'AbortError'))), { once: true });
  });

/** One sequential walk over a job's chunks, with pause (after the current chunk) and stop (now). */
export function useBrowserRun(jobId: string) {
  const qc = useQueryClient();
  const [state, setState] = useState<BrowserRunState>({ phase: 'idle', done: 0, total: 0, waitSeconds: 0, error: null });
  const ctl = useRef<{ abort: AbortController | null; pause: boolean; next: number; chunks: readonly number[] }>({ abort: null, pause: false, next: 0, chunks: [] });
  const [armed, setArmed] = useState(false);

  // Leaving the page ends the run: the job stays open and can be continued later.
  useEffect(() => () => ctl.current.abort?.abort(), []);

  const run = useCallback(
    async (from: number, chunks: readonly number[]) => {
      ctl.current.abort?.abort();
      const abort = new AbortController();
      const total = chunks.length;
      ctl.current = { abort, pause: false, next: from, chunks };
      const set = (s: Partial<BrowserRunState>) => !abort.signal.aborted && setState((p) => ({ ...p, ...s }));
      set({ phase: 'running', done: from, total, waitSeconds: 0, error: null });
      try {
        for (let n = from; n < total; ) {
          if (ctl.current.pause) {
            ctl.current.next = n;
            set({ phase: 'paused' });
            return;
          }
          try {
            const r = await call('applyJobChunk', { params: { id: jobId, n: chunks[n]! }, signal: abort.signal });
            qc.setQueryData(keys.job(jobId), r);
            void qc.invalidateQueries({ queryKey: ['job', jobId, 'items'] });
            void qc.invalidateQueries({ queryKey: keys.jobEvents(jobId) });
            n += 1;
            set({ done: n });
            // Cancelled (or otherwise settled) meanwhile: the remaining chunks would be no-ops.
            if (!isActive(r.job)) break;
          } catch (e) {
            if (!(e instanceof ApiError) || e.status !== 429) throw e;
            // The token's budget is spent for now: wait what the server asks, then retry the same chunk.
            for (let s = Math.ceil(e.retryAfter ?? 5); s > 0; s -= 1) {
              set({ phase: 'waiting', waitSeconds: s });
              await sleep(1000, abort.signal);
            }
            set({ phase: 'running', waitSeconds: 0 });
          }
        }
        set({ phase: 'finished' });
        void qc.invalidateQueries({ queryKey: ['job', jobId] });
        void qc.invalidateQueries({ queryKey: keys.jobs });
      } catch (e) {
        if ((e as Error).name === 'AbortError') return;
        set({ phase: 'stopped', error: e });
      }
    },
    [jobId, qc],
  );

  const start = useCallback((chunks: readonly number[]) => {
    setArmed(false);
    void run(0, chunks);
  }, [run]);
  const resume = useCallback(() => void run(ctl.current.next, ctl.current.chunks), [run]);
  const pause = useCallback(() => {
    ctl.current.pause = true;
  }, []);
  const stop = useCallback(() => {
    ctl.current.abort?.abort();
    setState((p) => ({ ...p, phase: 'stopped', waitSeconds: 0 }));
  }, []);
  const busy = state.phase === 'running' || state.phase === 'waiting';
  /** Apply in browser mode was sent: start as soon as the drift check lets the job run (`startWhenOpen`). */
  const arm = useCallback(() => setArmed(true), []);
  const startWhenOpen = useCallback(
    (job: Job) => {
      if (!armed) return;
      if (isOpenInBrowser(job)) start(job.plan.chunkNumbers ?? []);
      else if (job.status !== 'checking' && job.status !== 'planned') setArmed(false);
      else if (job.status === 'planned' && job.problem) setArmed(false); // the check refused the apply
    },
    [armed, start],
  );
  return { state, busy, armed, start, resume, pause, stop, arm, startWhenOpen };
}

export type BrowserRun = ReturnType<typeof useBrowserRun>;

/** Progress, pause/stop and the last problem of a browser run; "Continue in this browser" for an open browser job. */
export function BrowserRunControls({ job, run }: { job: Job; run: BrowserRun }) {
  const { state, busy } = run;
  const open = isOpenInBrowser(job);
  const gate = useCan('jobs.apply');
  if (!open && state.phase === 'idle') return null;
  return (
    <div className="mt-4 space-y-2 rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200" data-browser-run={state.phase}>
      <div className="flex flex-wrap items-center gap-2">
        {state.phase !== 'idle' ? (
          <span aria-live="polite" data-browser-progress className="mr-auto">
            {state.phase === 'finished'
              ? `Applied in this browser: ${state.done} of ${state.total} chunks`
              : state.phase === 'waiting'
                ? `Rate limited: waiting ${state.waitSeconds} s (chunk ${state.done + 1} of ${state.total})`
                : `${state.phase === 'running' ? 'Applying in this browser' : state.phase === 'paused' ? 'Paused' : 'Stopped'}: ${state.done} of ${state.total} chunks`}
          </span>
        ) : (
          <span className="mr-auto text-slate-600">This job is applied from a browser, one chunk at a time.</span>
        )}
        {busy ? (
          <>
            <Button size="sm" variant="secondary" onClick={run.pause}>
              <Pause className="size-4" aria-hidden /> Pause
            </Button>
            <Button size="sm" variant="secondary" onClick={run.stop}>
              <Square className="size-4" aria-hidden /> Stop
            </Button>
          </>
        ) : state.phase === 'paused' && open ? (
          <Button size="sm" onClick={run.resume} disabled={!gate.allowed}>
            <Play className="size-4" aria-hidden /> Resume
          </Button>
        ) : open ? (
          <Button size="sm" onClick={() => run.start(job.plan.chunkNumbers ?? [])} disabled={!gate.allowed} aria-describedby={gate.reason ? 'browser-run-denied' : undefined}>
            <Play className="size-4" aria-hidden /> Continue in this browser
          </Button>
        ) : null}
      </div>
      {open && !busy ? <DeniedReason id="browser-run-denied" reason={gate.reason} /> : null}
      <ErrorAlert error={state.error} />
    </div>
  );
}
