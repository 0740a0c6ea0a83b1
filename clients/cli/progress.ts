/**
 * Progress of a job phase (planning zones, checking zones, applying changes): a cli-progress bar with
 * rate and ETA on a terminal, else a plain line on stderr at most every `everyMs` (and at each phase
 * change and at the end), so CI logs show progress without a flood of carriage returns.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  /**
   * A new phase ends the previous one's bar. `knownRate` (units/s, e.g. the job's throughput) stands in
   * when this side saw no movement (a phase that finished between two polls).
   */
  update(phase: string, value: number, total: number, knownRate?: number): void;
  stop(): void;
}

export const noProgress: Progress = { update: () => undefined, stop: () => undefined };

/** Units per second since the phase started, and the seconds left at that rate (undefined until it moves). */
export function rateAndEta(startedAt: number, startValue: number, now: number, value: number, total: number, knownRate?: number): { rate: number; eta: number | undefined } {
  const seconds = (now - startedAt) / 1000;
  const seen = seconds > 0 ? (value - startValue) / seconds : 0;
  const rate = seen > 0 ? seen : (knownRate ?? 0);
  return { rate, eta: value >= total ? 0 : rate > 0 ? (total - value) / rate : undefined };
}

export const formatSeconds = (s: number | undefined): string => {
  if (s === undefined || !Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
};

interface Phase {
  name: string;
  startedAt: number;
  startValue: number;
}

export class BarProgress implements Progress {
  private bar: SingleBar | undefined;
  private phase: Phase | undefined;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly now: () => number = Date.now,
  ) {}

  update(phase: string, value: number, total: number, knownRate?: number): void {
    if (this.phase?.name !== phase) {
      this.stop();
      this.phase = { name: phase, startedAt: this.now(), startValue: value };
      this.bar = new SingleBar({
        stream: this.stream,
        // Rate and ETA of our own: cli-progress' ETA is a moving average that starts at "NULL"/"INF".
        format: `${phase.padEnd(10)} [{bar}] {percentage}% {value}/{total} | {rate}/s | ETA {left}`,
        barsize: 30,
        hideCursor: true,
        etaBuffer: 20,
        fps: 10,
      });
      this.bar.start(Math.max(total, 1), value, { rate: '0.0', left: '?' });
    }
    const { rate, eta } = rateAndEta(this.phase.startedAt, this.phase.startValue, this.now(), value, total, knownRate);
    this.bar!.setTotal(Math.max(total, 1));
    this.bar!.update(value, { rate: rate.toFixed(1), left: formatSeconds(eta) });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.phase = undefined;
  }
}

export class LineProgress implements Progress {
  private phase: (Phase & { lastAt: number; last: string }) | undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly everyMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  update(phase: string, value: number, total: number, knownRate?: number): void {
    const now = this.now();
    const fresh = this.phase?.name !== phase;
    if (fresh) this.phase = { name: phase, startedAt: now, startValue: value, lastAt: -Infinity, last: '' };
    const p = this.phase!;
    const { rate, eta } = rateAndEta(p.startedAt, p.startValue, now, value, total, knownRate);
    const pct = total > 0 ? Math.floor((value / total) * 100) : 0;
    // Before the total is known (planning lists the zones first) there is nothing to count yet.
    const line = total > 0 ? `${phase}: ${value}/${total} (${pct}%) ${rate.toFixed(1)}/s ETA ${formatSeconds(eta)}` : `${phase}…`;
    const finished = total > 0 && value >= total;
    if (fresh || (finished && !p.last.startsWith(`${phase}: ${value}/${total} `)) || now - p.lastAt >= this.everyMs) {
      this.write(line);
      p.lastAt = now;
      p.last = line;
    }
  }

  stop(): void {
    this.phase = undefined;
  }
}
