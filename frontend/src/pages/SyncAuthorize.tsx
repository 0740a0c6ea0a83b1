import { useMutation, useQuery } from '@tanstack/react-query';
import { MonitorSmartphone, Terminal } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { call, type OperationResponse } from '../api/operations';
import { SCOPE_MEANINGS } from '../api/types';
import { Button, Card, ErrorAlert, Field, Input, Notice, PageHeader, Select, SkeletonRows, formatTime } from '../components/ui';
import { navigate, setQuery, useLocation } from '../lib/router';

/**
 * `/sync/authorize[?user_code=XXXX-XXXX]` (RFC 8628 §3.3): the signed-in user approves or denies a
 * device that asked to link itself. A signed-out browser is sent to log in and back here (App's
 * remembered location). Without a code, the user types the one the device shows. A CLI login
 * (`flarevault login`) asks for an API key instead: the page lists the scopes it asks for and
 * lets the user pick the workspace the key will act on.
 */
export default function SyncAuthorize() {
  const { query } = useLocation();
  const userCode = query.get('user_code') ?? '';
  return (
    <>
      <PageHeader title="Link a device" description="A sync client or the flarevault CLI asked to access your account. Check that the code matches the one on the device." />
      {userCode ? <Decision userCode={userCode} /> : <CodeEntry />}
    </>
  );
}

function CodeEntry() {
  const [code, setCode] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ user_code: code.trim().toUpperCase() }, { replace: false });
  };
  return (
    <Card title="Enter the code shown on your device">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
        <Field label="Device code" name="userCode">
          {(p) => <Input {...p} value={code} onChange={(e) => setCode(e.target.value)} placeholder="BCDF-GHJK" autoComplete="off" autoCapitalize="characters" required className="font-mono tracking-widest" />}
        </Field>
        <Button type="submit">Continue</Button>
      </form>
    </Card>
  );
}

type PendingAuthorization = OperationResponse<'getDeviceAuthorization'>;

function Decision({ userCode }: { userCode: string }) {
  const pending = useQuery({ queryKey: ['device-authorization', userCode], queryFn: () => call('getDeviceAuthorization', { params: { userCode } }), retry: false });
  const [chosen, setChosen] = useState<string | undefined>();
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'deny') =>
      decision === 'approve'
        ? call('approveDeviceAuthorization', { params: { userCode }, body: chosen ? { workspaceId: chosen } : {} })
        : call('denyDeviceAuthorization', { params: { userCode } }),
    onSuccess: (_r, decision) => {
      const cli = pending.data?.scopes ? '&kind=cli' : '';
      navigate(`/sync/complete?result=${decision === 'approve' ? 'approved' : 'denied'}${cli}`, { replace: true });
    },
  });
  if (pending.isPending) return <SkeletonRows rows={3} label="Loading the device" />;
  if (pending.isError) {
    return (
      <Card title="This code cannot be used">
        <ErrorAlert error={pending.error} className="mb-3" />
        <p className="text-sm text-slate-600">It may have expired (codes last 5 minutes) or been used already. Start the link again on the device.</p>
        <Button variant="secondary" className="mt-3" onClick={() => setQuery({ user_code: undefined }, { replace: false })}>
          Enter another code
        </Button>
      </Card>
    );
  }
  const d = pending.data;
  const cli = d.scopes && d.workspaces ? { scopes: d.scopes, workspaces: d.workspaces } : null;
  const Icon = cli ? Terminal : MonitorSmartphone;
  return (
    <Card title={cli ? 'Approve this CLI login?' : 'Approve this device?'}>
      <div className="flex gap-3">
        <Icon className="mt-0.5 size-6 shrink-0 text-slate-400" aria-hidden />
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">Device</dt>
          <dd className="font-medium" data-testid="device-name">{d.deviceName}</dd>
          <dt className="text-slate-500">Platform</dt>
          <dd>{d.platform}</dd>
          <dt className="text-slate-500">Code</dt>
          <dd className="font-mono tracking-widest" data-testid="user-code">{d.userCode}</dd>
          <dt className="text-slate-500">Expires</dt>
          <dd>{formatTime(d.expiresAt)}</dd>
        </dl>
      </div>
      {cli ? <ApiKeyRequest deviceName={d.deviceName} request={cli} chosen={chosen ?? cli.workspaces.find((w) => w.active)?.id} onChoose={setChosen} error={decide.error} /> : null}
      <ErrorAlert error={decide.error} fields={['workspaceId']} className="mt-3" />
      <div className="mt-4 flex gap-2">
        <Button onClick={() => decide.mutate('approve')} loading={decide.isPending && decide.variables === 'approve'}>
          Approve
        </Button>
        <Button variant="secondary" onClick={() => decide.mutate('deny')} loading={decide.isPending && decide.variables === 'deny'}>
          Deny
        </Button>
      </div>
    </Card>
  );
}

/** What a CLI login asks for: an API key with these scopes, acting on the workspace chosen here. */
function ApiKeyRequest({
  deviceName,
  request,
  chosen,
  onChoose,
  error,
}: {
  deviceName: string;
  request: { scopes: NonNullable<PendingAuthorization['scopes']>; workspaces: NonNullable<PendingAuthorization['workspaces']> };
  chosen: string | undefined;
  onChoose: (workspaceId: string) => void;
  error: unknown;
}) {
  return (
    <div className="mt-4 space-y-3">
      <p className="text-sm">
        <span className="font-medium">{deviceName}</span> asks for an API key with:
      </p>
      <ul className="space-y-1 text-sm" data-testid="scope-list">
        {request.scopes.map((s) => (
          <li key={s} className="flex flex-wrap items-baseline gap-x-2">
            <code className="font-mono text-xs">{s}</code>
            <span className="text-slate-600">{SCOPE_MEANINGS[s]}</span>
          </li>
        ))}
      </ul>
      <Field label="Workspace the key acts on" name="workspaceId" error={error} hint="The key reaches this workspace only, with your role in it." className="max-w-sm">
        {(p) => (
          <Select {...p} value={chosen} onChange={(e) => onChoose(e.target.value)}>
            {request.workspaces.map((w) => (
              <option key={w.id} value={w.id}>
                {w.personal ? `${w.name} (personal)` : w.name} — {w.role}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Notice tone="warning">
        Approve only if you ran <code>flarevault login</code> yourself just now and this code matches your terminal. The key acts for you until it
        expires (90 days), you run <code>flarevault logout</code>, or you delete it under Security → API keys.
      </Notice>
    </div>
  );
}
