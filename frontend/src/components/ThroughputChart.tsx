import type { JobEvent } from '../api/types';

/**
 * Progress over time from the job's events, as a small inline SVG (no chart
 * library; CSP-safe: attributes only): the filled area is the share of changes
 * settled, the line is changes per second between consecutive events.
 */
export function ThroughputChart({ events, total, height = 96 }: { events: readonly JobEvent[]; total: number; height?: number }) {
  // From the apply on: the time spent as a plan says nothing about throughput.
  const firstQueued = events.findIndex((e) => e.type === 'queued');
  const pts = (firstQueued > 0 ? events.slice(firstQueued) : events)
    .map((e) => ({ t: new Date(e.time).getTime(), settled: e.done + e.failed }))
    .filter((p) => Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
  if (pts.length < 2) {
    return <p className="text-sm text-slate-500">The chart fills in as the job reports progress.</p>;
  }
  const rates: { t: number; r: number }[] = [];
  for (let i = 1; i < pts.length; i++) {
    const dt = (pts[i]!.t - pts[i - 1]!.t) / 1000;
    if (dt <= 0) continue;
    rates.push({ t: pts[i]!.t, r: Math.max(0, (pts[i]!.settled - pts[i - 1]!.settled) / dt) });
  }
  const W = 600;
  const H = height;
  const t0 = pts[0]!.t;
  const t1 = pts[pts.length - 1]!.t;
  const span = Math.max(1, t1 - t0);
  const maxRate = Math.max(...rates.map((p) => p.r), 0.001);
  const most = Math.max(total, ...pts.map((p) => p.settled), 1);
  const x = (t: number) => (((t - t0) / span) * W).toFixed(1);
  const yShare = (n: number) => (H - (n / most) * (H - 4)).toFixed(1);
  const yRate = (r: number) => (H - (r / maxRate) * (H - 8)).toFixed(1);
  // Step area: progress only changes at events.
  const area = [`0,${H}`];
  let last = pts[0]!.settled;
  for (const p of pts) {
    area.push(`${x(p.t)},${yShare(last)}`, `${x(p.t)},${yShare(p.settled)}`);
    last = p.settled;
  }
  area.push(`${W},${yShare(last)}`, `${W},${H}`);
  const line = rates.map((p) => `${x(p.t)},${yRate(p.r)}`).join(' ');
  const settled = pts[pts.length - 1]!.settled - pts[0]!.settled;
  const avg = settled / (span / 1000);
  return (
    <figure>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        className="h-24 w-full rounded bg-slate-50"
        role="img"
        aria-label={`Progress over ${Math.round(span / 1000)} seconds; peak ${maxRate.toFixed(1)} changes per second`}
      >
        <polygon points={area.join(' ')} className="fill-emerald-100" />
        {rates.length > 1 ? <polyline points={line} fill="none" className="stroke-orange-600" strokeWidth={2} vectorEffect="non-scaling-stroke" /> : null}
      </svg>
      <figcaption className="mt-1 flex flex-wrap justify-between gap-2 text-xs text-slate-500">
        <span>
          <span className="mr-1 inline-block size-2 rounded-sm bg-emerald-300" aria-hidden /> settled
          <span className="mr-1 ml-3 inline-block h-0.5 w-3 bg-orange-600 align-middle" aria-hidden /> changes/s (peak {maxRate.toFixed(1)}, average{' '}
          {avg.toFixed(1)})
        </span>
        <span>{(span / 1000).toFixed(span < 10_000 ? 1 : 0)} s</span>
      </figcaption>
    </figure>
  );
}
