/**
 * A field error for a group of inputs (e.g. a refine on `params.set`) that no
 * single `<Field>` shows. `exact` matches the group's own path only; otherwise
 * every issue under it.
 */
export function FieldGroupError({ error, name, exact }: { error: unknown; name: string; exact?: boolean }) {
  if (!error || typeof error !== 'object' || !('fieldErrors' in error)) return null;
  const issues = (error as { fieldErrors: { field: string; message: string }[] }).fieldErrors.filter((f) => (exact ? f.field === name : f.field.startsWith(name)));
  if (!issues.length) return null;
  return (
    <p className="text-sm text-red-600" data-field-error={name}>
      {issues.map((i) => i.message).join('; ')}
    </p>
  );
}
