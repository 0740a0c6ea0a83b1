/** Why a control is disabled for the caller's role ("Needs ADMIN"), next to it; the control points at it with aria-describedby. */
export function DeniedReason({ id, reason }: { id: string; reason: string | null }) {
  if (!reason) return null;
  return (
    <span id={id} data-denied-reason className="text-xs text-slate-500">
      {reason}
    </span>
  );
}
