import * as Tabs from '@radix-ui/react-tabs';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Copy, Download, KeyRound, LogOut, MonitorSmartphone, ShieldCheck, ShieldOff, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { api, enc } from '../api/client';
import { keys, useApiKeys, useSessions } from '../api/queries';
import {
  SCOPES,
  type AuditChainResponse,
  type AuditEventsResponse,
  type ChangePasswordBody,
  type CreateApiKeyBody,
  type CreateApiKeyResponse,
  type RevokeAllResponse,
  type Scope,
  type TotpConfirmResponse,
  type TotpEnrollment,
} from '../api/types';
import { ConfirmDialog } from '../components/dialog';
import { Badge, Button, Card, EmptyState, ErrorAlert, Field, Input, Notice, PageHeader, SkeletonRows, Table, cx, formatTime, relativeTime, td, th } from '../components/ui';
import { useAuth } from '../lib/auth';
import { setQuery, useLocation } from '../lib/router';
import { LoadMore } from '../components/Pager';

const TABS = [
  ['sessions', 'Sessions'],
  ['mfa', 'Two-factor'],
  ['api-keys', 'API keys'],
  ['password', 'Password'],
  ['audit', 'Audit log'],
] as const;

export default function Security() {
  const { query } = useLocation();
  const tab = TABS.some(([k]) => k === query.get('tab')) ? query.get('tab')! : 'sessions';
  return (
    <>
      <PageHeader title="Security" description="Sessions, two-factor authentication, API keys, password and the audit trail of your account." />
      <Tabs.Root value={tab} onValueChange={(v) => setQuery({ tab: v === 'sessions' ? undefined : v })}>
        <Tabs.List aria-label="Security settings" className="mb-6 flex gap-1 overflow-x-auto border-b border-slate-200">
          {TABS.map(([k, label]) => (
            <Tabs.Trigger
              key={k}
              value={k}
              className="shrink-0 border-b-2 border-transparent px-3 py-2 text-sm font-medium whitespace-nowrap text-slate-600 hover:text-slate-900 data-[state=active]:border-orange-600 data-[state=active]:text-orange-700"
            >
              {label}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        <Tabs.Content value="sessions">
          <Sessions />
        </Tabs.Content>
        <Tabs.Content value="mfa">
          <Mfa />
        </Tabs.Content>
        <Tabs.Content value="api-keys">
          <ApiKeys />
        </Tabs.Content>
        <Tabs.Content value="password">
          <PasswordChange />
        </Tabs.Content>
        <Tabs.Content value="audit">
          <AuditLog />
        </Tabs.Content>
      </Tabs.Root>
    </>
  );
}

function Sessions() {
  const qc = useQueryClient();
  const sessions = useSessions();
  const [confirmAll, setConfirmAll] = useState(false);
  const revoke = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/auth/sessions/${enc(id)}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.sessions }),
  });
  const revokeAll = useMutation({
    mutationFn: () => api.post<RevokeAllResponse>('/api/v1/auth/sessions/revoke-all'),
    onSuccess: () => {
      setConfirmAll(false);
      return qc.invalidateQueries({ queryKey: keys.sessions });
    },
  });
  const others = sessions.data?.sessions.filter((s) => !s.current).length ?? 0;
  return (
    <Card
      title="Signed-in devices"
      actions={
        <Button variant="secondary" size="sm" disabled={!others} onClick={() => setConfirmAll(true)}>
          <LogOut className="size-4" aria-hidden /> Sign out all other sessions
        </Button>
      }
    >
      {revokeAll.isSuccess ? (
        <Notice tone="success" className="mb-3">
          Signed out {revokeAll.data.revoked} other session{revokeAll.data.revoked === 1 ? '' : 's'}.
        </Notice>
      ) : null}
      <ErrorAlert error={revoke.error} className="mb-3" />
      {sessions.isPending ? (
        <SkeletonRows rows={3} label="Loading sessions" />
      ) : sessions.isError ? (
        <ErrorAlert error={sessions.error} />
      ) : (
        <ul className="divide-y divide-slate-100">
          {sessions.data.sessions.map((s) => (
            <li key={s.id} className="flex flex-wrap items-start justify-between gap-3 py-3">
              <div className="flex min-w-0 gap-3">
                <MonitorSmartphone className="mt-0.5 size-5 shrink-0 text-slate-400" aria-hidden />
                <div className="min-w-0 text-sm">
                  <p className="font-medium">
                    {s.device || 'Unknown device'} {s.current ? <Badge color="green">this device</Badge> : null}
                  </p>
                  <p className="truncate text-xs text-slate-500" title={s.userAgent}>
                    {s.userAgent}
                  </p>
                  <p className="text-xs text-slate-500">
                    {s.ip} · signed in {relativeTime(s.createdAt)} · last seen {relativeTime(s.lastSeenAt)}
                  </p>
                </div>
              </div>
              {s.current ? null : (
                <Button size="sm" variant="ghost" onClick={() => revoke.mutate(s.id)} loading={revoke.isPending && revoke.variables === s.id} aria-label={`Revoke session on ${s.device}`}>
                  Revoke
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={confirmAll}
        onOpenChange={setConfirmAll}
        title="Sign out every other session?"
        description="Every device except this one is signed out at once, including CLIs using session tokens. API keys are not affected."
        confirmLabel="Sign out others"
        onConfirm={() => revokeAll.mutate()}
        loading={revokeAll.isPending}
        error={<ErrorAlert error={revokeAll.error} />}
      />
    </Card>
  );
}

/** Base64 of UTF-8 text, for a data: URL (never innerHTML: the SVG is shown as an image). */
function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function Mfa() {
  const { user, refresh } = useAuth();
  const [enrollment, setEnrollment] = useState<TotpEnrollment | null>(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const enroll = useMutation({
    mutationFn: () => api.post<TotpEnrollment>('/api/v1/auth/mfa/totp/enroll'),
    onSuccess: (r) => {
      setEnrollment(r);
      setCode('');
    },
  });
  const confirm = useMutation({
    mutationFn: () => api.post<TotpConfirmResponse>('/api/v1/auth/mfa/totp/confirm', { code: code.replace(/\s+/g, '') }),
    onSuccess: (r) => {
      setRecovery(r.recoveryCodes);
      setEnrollment(null);
      setCode('');
      void refresh();
    },
  });
  const disable = useMutation({
    mutationFn: () => api.post('/api/v1/auth/mfa/totp/disable', { code: code.replace(/\s+/g, '') }),
    onSuccess: () => {
      setCode('');
      setRecovery(null);
      void refresh();
    },
  });

  if (recovery) {
    const text = recovery.join('\n');
    return (
      <Card title="Save your recovery codes">
        <Notice tone="warning" className="mb-4">
          These codes are shown once. Each one signs you in a single time if you lose your authenticator. Store them somewhere safe.
        </Notice>
        <ul className="mb-4 grid grid-cols-2 gap-2 font-mono text-sm sm:grid-cols-5" aria-label="Recovery codes" data-recovery-codes>
          {recovery.map((c) => (
            <li key={c} className="rounded bg-slate-100 px-2 py-1 text-center">
              {c}
            </li>
          ))}
        </ul>
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={() => void navigator.clipboard?.writeText(text)}>
            <Copy className="size-4" aria-hidden /> Copy
          </Button>
          <Button variant="secondary" asChild>
            <a href={`data:text/plain;charset=utf-8,${encodeURIComponent(text + '\n')}`} download="flarevault-recovery-codes.txt">
              <Download className="size-4" aria-hidden /> Download
            </a>
          </Button>
          <Button onClick={() => setRecovery(null)}>I saved them</Button>
        </div>
      </Card>
    );
  }

  if (user?.mfaEnabled) {
    return (
      <Card title="Two-factor authentication">
        <Notice tone="success" className="mb-4">
          Two-factor authentication is on. Logging in asks for a code from your authenticator app.
        </Notice>
        <form
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            disable.mutate();
          }}
        >
          <Field label="Current code to turn it off" name="code" error={disable.error}>
            {(p) => <Input {...p} inputMode="numeric" autoComplete="one-time-code" className="w-36" value={code} onChange={(e) => setCode(e.target.value)} />}
          </Field>
          <Button type="submit" variant="danger" loading={disable.isPending}>
            <ShieldOff className="size-4" aria-hidden /> Turn off
          </Button>
        </form>
        <ErrorAlert error={disable.error} fields={['code']} className="mt-3" />
      </Card>
    );
  }

  return (
    <Card title="Two-factor authentication">
      {!enrollment ? (
        <>
          <p className="mb-4 text-sm text-slate-600">
            Protect your account with a time-based code from an authenticator app (1Password, Bitwarden, Google Authenticator, …).
          </p>
          <ErrorAlert error={enroll.error} className="mb-3" />
          <Button onClick={() => enroll.mutate()} loading={enroll.isPending}>
            <ShieldCheck className="size-4" aria-hidden /> Set up two-factor
          </Button>
        </>
      ) : (
        <div className="grid grid-cols-1 gap-6 md:grid-cols-[auto_1fr]">
          <div>
            <img src={`data:image/svg+xml;base64,${base64Utf8(enrollment.qrSvg)}`} alt="QR code to scan with your authenticator app" className="size-48 rounded bg-white p-2 ring-1 ring-slate-200" />
          </div>
          <div className="space-y-4">
            <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
              <li>Scan the QR code with your authenticator app.</li>
              <li>Or enter this key by hand:</li>
            </ol>
            <code className="block rounded bg-slate-100 px-2 py-1 font-mono text-sm break-all" data-totp-secret>
              {enrollment.secret}
            </code>
            <form
              className="flex flex-wrap items-end gap-3"
              onSubmit={(e) => {
                e.preventDefault();
                confirm.mutate();
              }}
            >
              <Field label="6-digit code from the app" name="code" error={confirm.error}>
                {(p) => <Input {...p} inputMode="numeric" autoComplete="one-time-code" className="w-36" value={code} onChange={(e) => setCode(e.target.value)} autoFocus />}
              </Field>
              <Button type="submit" loading={confirm.isPending}>
                Confirm
              </Button>
              <Button variant="ghost" onClick={() => setEnrollment(null)}>
                Cancel
              </Button>
            </form>
            <ErrorAlert error={confirm.error} fields={['code']} />
          </div>
        </div>
      )}
    </Card>
  );
}

function ApiKeys() {
  const qc = useQueryClient();
  const keysQ = useApiKeys();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['cloudflare:read', 'jobs:read']);
  const [expires, setExpires] = useState('');
  const [secret, setSecret] = useState<CreateApiKeyResponse | null>(null);
  const [toDelete, setToDelete] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => {
      const body: CreateApiKeyBody = { name, scopes, ...(expires ? { expiresAt: new Date(`${expires}T23:59:59Z`).toISOString() } : {}) };
      return api.post<CreateApiKeyResponse>('/api/v1/api-keys', body);
    },
    onSuccess: (r) => {
      setSecret(r);
      setName('');
      return qc.invalidateQueries({ queryKey: keys.apiKeys });
    },
  });
  const del = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/api-keys/${enc(id)}`),
    onSuccess: () => {
      setToDelete(null);
      return qc.invalidateQueries({ queryKey: keys.apiKeys });
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <div className="space-y-6">
      {secret ? (
        <Card title={`Key “${secret.apiKey.name}” created`}>
          <Notice tone="warning" className="mb-3">
            Copy the key now: it is shown only once. Send it as <code>Authorization: Bearer …</code>.
          </Notice>
          <div className="flex flex-wrap items-center gap-2">
            <code className="min-w-0 flex-1 rounded bg-slate-100 px-2 py-1 font-mono text-sm break-all" data-api-key-secret>
              {secret.secret}
            </code>
            <Button variant="secondary" size="sm" onClick={() => void navigator.clipboard?.writeText(secret.secret)}>
              <Copy className="size-4" aria-hidden /> Copy
            </Button>
            <Button size="sm" onClick={() => setSecret(null)}>
              Done
            </Button>
          </div>
        </Card>
      ) : null}
      <Card title="Create an API key">
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
            <Field label="Name" name="name" error={create.error}>
              {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="CI deploys" />}
            </Field>
            <Field label="Expires (optional)" name="expiresAt" error={create.error}>
              {(p) => <Input {...p} type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />}
            </Field>
          </div>
          <fieldset>
            <legend className="mb-1 text-sm font-medium text-slate-700">Scopes</legend>
            <div className="flex flex-wrap gap-3">
              {SCOPES.map((s) => (
                <label key={s} className="flex items-center gap-1.5 text-sm">
                  <input type="checkbox" name="scopes" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
                  <code className="font-mono text-xs">{s}</code>
                </label>
              ))}
            </div>
            {create.error && 'fieldError' in create.error ? (
              <p className="mt-1 text-sm text-red-600">{(create.error as { fieldError: (n: string) => string | undefined }).fieldError('scopes')}</p>
            ) : null}
          </fieldset>
          <ErrorAlert error={create.error} fields={['name', 'scopes', 'expiresAt']} />
          <Button type="submit" loading={create.isPending}>
            <KeyRound className="size-4" aria-hidden /> Create key
          </Button>
        </form>
      </Card>
      <Card title="Your API keys">
        <ErrorAlert error={del.error} className="mb-3" />
        {keysQ.isPending ? (
          <SkeletonRows rows={2} label="Loading API keys" />
        ) : keysQ.isError ? (
          <ErrorAlert error={keysQ.error} />
        ) : keysQ.data.apiKeys.length === 0 ? (
          <EmptyState title="No API keys">Create one above for scripts, CI or the CLI. Give it only the scopes it needs.</EmptyState>
        ) : (
          <Table label="API keys">
            <thead>
              <tr>
                <th className={th}>Name</th>
                <th className={th}>Key</th>
                <th className={`${th} hidden md:table-cell`}>Scopes</th>
                <th className={`${th} hidden sm:table-cell`}>Last used</th>
                <th className={th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {keysQ.data.apiKeys.map((k) => (
                <tr key={k.id}>
                  <td className={td}>
                    {k.name}
                    {k.expiresAt ? <p className="text-xs text-slate-500">expires {formatTime(k.expiresAt)}</p> : null}
                  </td>
                  <td className={`${td} font-mono text-xs`}>{k.prefix}…</td>
                  <td className={`${td} hidden md:table-cell`}>
                    <span className="flex flex-wrap gap-1">
                      {k.scopes.map((s) => (
                        <Badge key={s}>{s}</Badge>
                      ))}
                    </span>
                  </td>
                  <td className={`${td} hidden text-xs sm:table-cell`}>{k.lastUsedAt ? relativeTime(k.lastUsedAt) : 'never'}</td>
                  <td className={`${td} text-right`}>
                    <button type="button" className="rounded p-1.5 text-slate-600 hover:bg-slate-100" aria-label={`Delete key ${k.name}`} onClick={() => setToDelete(k.id)}>
                      <Trash2 className="size-4" aria-hidden />
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
      <ConfirmDialog
        open={toDelete !== null}
        onOpenChange={(o) => !o && setToDelete(null)}
        title="Delete this API key?"
        description="Anything using it stops working at once."
        confirmLabel="Delete key"
        onConfirm={() => toDelete && del.mutate(toDelete)}
        loading={del.isPending}
      />
    </div>
  );
}

function PasswordChange() {
  const [form, setForm] = useState<ChangePasswordBody>({ currentPassword: '', newPassword: '' });
  const [again, setAgain] = useState('');
  const change = useMutation({
    mutationFn: () => api.post('/api/v1/auth/password/change', form),
    onSuccess: () => {
      setForm({ currentPassword: '', newPassword: '' });
      setAgain('');
    },
  });
  const mismatch = again.length > 0 && again !== form.newPassword;
  return (
    <Card title="Change password">
      <form
        className="max-w-sm space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!mismatch) change.mutate();
        }}
      >
        <Field label="Current password" name="currentPassword" error={change.error}>
          {(p) => <Input {...p} type="password" autoComplete="current-password" value={form.currentPassword} onChange={(e) => setForm({ ...form, currentPassword: e.target.value })} />}
        </Field>
        <Field label="New password" name="newPassword" error={change.error} hint="At least 12 characters.">
          {(p) => <Input {...p} type="password" autoComplete="new-password" value={form.newPassword} onChange={(e) => setForm({ ...form, newPassword: e.target.value })} />}
        </Field>
        <Field label="New password again" name="newPasswordAgain" error={mismatch ? 'The passwords differ.' : undefined}>
          {(p) => <Input {...p} type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />}
        </Field>
        <ErrorAlert error={change.error} fields={['currentPassword', 'newPassword']} />
        {change.isSuccess ? <Notice tone="success">Password changed. Every other session was signed out.</Notice> : null}
        <Button type="submit" loading={change.isPending} disabled={mismatch}>
          Change password
        </Button>
      </form>
    </Card>
  );
}

function AuditLog() {
  const audit = useInfiniteQuery({
    queryKey: ['audit', 'log'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.get<AuditEventsResponse>('/api/v1/audit-events', { signal, query: { limit: 50, cursor: pageParam } }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  // Verifying reads the whole chain, so it is its own request, once per visit, not once per page.
  const chain = useQuery({
    queryKey: ['audit', 'chain'],
    queryFn: ({ signal }) => api.get<AuditChainResponse>('/api/v1/audit-events/verify', { signal }),
  });
  const events = audit.data?.pages.flatMap((p) => p.events) ?? [];
  const chainValid = chain.data?.valid;
  return (
    <Card
      title="Audit log"
      actions={
        chain.data ? (
          <Badge color={chainValid ? 'green' : 'red'}>{chainValid ? 'hash chain intact' : 'hash chain broken'}</Badge>
        ) : null
      }
    >
      {audit.isPending ? (
        <SkeletonRows rows={5} label="Loading audit events" />
      ) : audit.isError ? (
        <ErrorAlert error={audit.error} />
      ) : events.length === 0 ? (
        <EmptyState title="No events yet">Sign-ins, MFA changes, key and session changes appear here.</EmptyState>
      ) : (
        <>
          <Table label="Audit events">
            <thead>
              <tr>
                <th className={th}>Event</th>
                <th className={th}>When</th>
                <th className={`${th} hidden md:table-cell`}>From</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {events.map((e) => (
                <tr key={e.seq}>
                  <td className={td}>
                    <code className="font-mono text-xs">{e.type}</code>
                    {Object.keys(e.metadata).length ? (
                      <p className={cx('mt-0.5 font-mono text-[11px] break-all text-slate-500')}>{JSON.stringify(e.metadata)}</p>
                    ) : null}
                  </td>
                  <td className={`${td} text-xs whitespace-nowrap`}>
                    <time dateTime={e.time} title={e.time}>
                      {formatTime(e.time)}
                    </time>
                  </td>
                  <td className={`${td} hidden text-xs text-slate-500 md:table-cell`}>
                    {e.ip ?? ''} <span className="block max-w-xs truncate">{e.userAgent ?? ''}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={audit} />
        </>
      )}
    </Card>
  );
}
