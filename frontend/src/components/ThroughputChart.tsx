import type { JobEvent } from '../api/types';

/**
 * Changes per second between consecutive job events, as a small inline SVG
 * (no chart library; CSP-safe: no inline scripts, attributes only).
 */
export function ThroughputChart({ events, height = 96 }: { events: readonly JobEvent[]; height?: number }) {
  const pts = events
    .map((e) => ({ t: new Date(e.time).getTime(), settled: e.done + e.failed }))
    .filter((p) => Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
  const rates: { t: number; r: number }[] = [];
  for (let i = 1; i < pts.length; i++) {
    const dt = (pts[i]!.t - pts[i - 1]!.t) / 1000;
    if (dt <= 0) continue;
    rates.push({ t: pts[i]!.t, r: Math.max(0, (pts[i]!.settled - pts[i - 1]!.settled) / dt) });
  }
  if (rates.length < 1) {
    return <p className="text-sm text-slate-500">The chart fills in as the job reports progress.</p>;
  }
  const W = 600;
  const H = height;
  const t0 = pts[0]!.t;
  const t1 = rates[rates.length - 1]!.t;
  const span = Math.max(1, t1 - t0);
  const max = Math.max(...rates.map((p) => p.r), 1);
  const x = (t: number) => ((t - t0) / span) * W;
  const y = (r: number) => H - (r / max) * (H - 8);
  const line = [`0,${H}`, ...rates.map((p) => `${x(p.t).toFixed(1)},${y(p.r).toFixed(1)}`)].join(' ');
  const area = `${line} ${W},${H}`;
  const avg = rates.reduce((n, p) => n + p.r, 0) / rates.length;
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="h-24 w-full" role="img" aria-label={`Throughput, peak ${max.toFixed(1)} changes per second`}>
        <polygon points={area} className="fill-orange-100" />
        <polyline points={line} fill="none" className="stroke-orange-600" strokeWidth={2} vectorEffect="non-scaling-stroke" />
        <line x1={0} x2={W} y1={y(avg)} y2={y(avg)} className="stroke-slate-400" strokeDasharray="4 4" vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption className="mt-1 flex justify-between text-xs text-slate-500">
        <span>peak {max.toFixed(1)}/s · average {avg.toFixed(1)}/s</span>
        <span>{Math.round(span / 1000)} s</span>
      </figcaption>
    </figure>
  );
}
