/** One labelled figure of a job's totals or progress (`data-count` is what the e2e suite reads). */
export function Count({ label, value, tone }: { label: string; value: number | string; tone?: string }) {
  return (
    <div className="rounded-md bg-slate-50 p-3">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className={`text-xl font-semibold ${tone ?? ''}`} data-count={label}>
        {value}
      </dd>
    </div>
  );
}
