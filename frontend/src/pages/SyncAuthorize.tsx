import { useMutation, useQuery } from '@tanstack/react-query';
import { MonitorSmartphone } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { call } from '../api/operations';
import { Button, Card, ErrorAlert, Field, Input, PageHeader, SkeletonRows, formatTime } from '../components/ui';
import { navigate, setQuery, useLocation } from '../lib/router';

/**
 * `/sync/authorize[?user_code=XXXX-XXXX]` (RFC 8628 §3.3): the signed-in user approves or denies a
 * device that asked to link itself. A signed-out browser is sent to log in and back here (App's
 * remembered location). Without a code, the user types the one the device shows.
 */
export default function SyncAuthorize() {
  const { query } = useLocation();
  const userCode = query.get('user_code') ?? '';
  return (
    <>
      <PageHeader title="Link a device" description="A sync client asked to access your account. Check that the code matches the one on the device." />
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

function Decision({ userCode }: { userCode: string }) {
  const pending = useQuery({ queryKey: ['device-authorization', userCode], queryFn: () => call('getDeviceAuthorization', { params: { userCode } }), retry: false });
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'deny') => call(decision === 'approve' ? 'approveDeviceAuthorization' : 'denyDeviceAuthorization', { params: { userCode } }),
    onSuccess: (_r, decision) => navigate(`/sync/complete?result=${decision === 'approve' ? 'approved' : 'denied'}`, { replace: true }),
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
  return (
    <Card title="Approve this device?">
      <div className="flex gap-3">
        <MonitorSmartphone className="mt-0.5 size-6 shrink-0 text-slate-400" aria-hidden />
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
      <ErrorAlert error={decide.error} className="mt-3" />
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
