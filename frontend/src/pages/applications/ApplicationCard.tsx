import { useMutation } from '@tanstack/react-query';
import { Power, Settings2, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import type { Application } from '../../api/types';
import { DeniedReason } from '../../components/Denied';
import { ConfirmDialog } from '../../components/dialog';
import { Badge, Button, Card, ErrorAlert, relativeTime } from '../../components/ui';
import { Link } from '../../lib/router';

/** 3600 → "1 h", 90 → "90 s": how long an end user's session token lives. */
function duration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** One application: client id, origins, redirect URIs, session lifetime; enable/disable and delete (ADMIN). */
export function ApplicationCard({ workspaceId, app: a, denied, onChange }: { workspaceId: string; app: Application; denied: string | null; onChange: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const params = { workspaceId, applicationId: a.id };
  const toggle = useMutation({ mutationFn: () => call('updateApplication', { params, body: { enabled: !a.enabled } }), onSuccess: onChange });
  const remove = useMutation({ mutationFn: () => call('deleteApplication', { params }), onSuccess: () => (setConfirm(false), onChange()) });
  const reasonId = `app-denied-${a.id}`;
  return (
    <li data-application={a.name}>
      <Card
        title={
          <span className="flex flex-wrap items-center gap-2">
            {a.name} <Badge color={a.enabled ? 'green' : 'gray'}>{a.enabled ? 'enabled' : 'disabled'}</Badge>
          </span>
        }
      >
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">Client id</dt>
          <dd className="font-mono text-xs break-all">{a.clientId}</dd>
          <dt className="text-slate-500">Origins</dt>
          <dd className="font-mono text-xs break-all">{a.allowedOrigins.join(', ') || '—'}</dd>
          <dt className="text-slate-500">Redirect URIs</dt>
          <dd className="font-mono text-xs break-all">{a.redirectUris.join(', ') || '—'}</dd>
          <dt className="text-slate-500">Session lifetime</dt>
          <dd>{duration(a.sessionLifetimeSeconds)}</dd>
          <dt className="text-slate-500">Changed</dt>
          <dd>{relativeTime(a.updatedAt)}</dd>
        </dl>
        <div className="mt-4 flex flex-wrap items-center gap-2">
          <Link to={`/workspace/applications/${encodeURIComponent(a.id)}`} className="inline-flex items-center gap-1 rounded-md px-2.5 py-1.5 text-sm font-medium text-orange-700 ring-1 ring-orange-200 hover:bg-orange-50">
            <Settings2 className="size-3.5" aria-hidden /> Quick start, users, credentials
          </Link>
          <Button size="sm" variant="secondary" onClick={() => toggle.mutate()} loading={toggle.isPending} disabled={!!denied} aria-describedby={denied ? reasonId : undefined}>
            <Power className="size-3.5" aria-hidden /> {a.enabled ? 'Disable' : 'Enable'}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setConfirm(true)} disabled={!!denied} aria-label={`Delete ${a.name}`} aria-describedby={denied ? reasonId : undefined}>
            <Trash2 className="size-3.5" aria-hidden /> Delete
          </Button>
          <DeniedReason id={reasonId} reason={denied} />
        </div>
        <ErrorAlert error={toggle.error} className="mt-3" />
      </Card>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={`Delete ${a.name}?`}
        description="Its client id stops working at once."
        confirmLabel="Delete application"
        onConfirm={() => remove.mutate()}
        loading={remove.isPending}
        error={<ErrorAlert error={remove.error} />}
      />
    </li>
  );
}
