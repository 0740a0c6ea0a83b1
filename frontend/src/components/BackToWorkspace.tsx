import { ChevronLeft } from 'lucide-react';
import { Link } from '../lib/router';

/** The header link of a workspace sub-page (applications, logs) back to the Workspace page. */
export function BackToWorkspace({ name }: { name: string | undefined }) {
  return (
    <Link to="/workspace" className="inline-flex items-center gap-1 text-orange-700 underline">
      <ChevronLeft className="size-3.5" aria-hidden /> {name ?? 'Workspace'}
    </Link>
  );
}
