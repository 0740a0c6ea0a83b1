import { useMutation } from '@tanstack/react-query';
import { ShieldCheck, ShieldOff } from 'lucide-react';
import { useState } from 'react';
import { call } from '../../api/operations';
import type { TotpEnrollment } from '../../api/types';
import { Button, Card, ErrorAlert, Field, Input, Notice } from '../../components/ui';
import { useAuth } from '../../lib/auth';
import { RecoveryCodes } from './RecoveryCodes';

/** Base64 of UTF-8 text, for a data: URL (never innerHTML: the SVG is shown as an image). */
function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Turn two-factor (TOTP) on with a QR code and a confirming code, or off with a current code. */
export function TwoFactorTab() {
  const { user, refresh } = useAuth();
  const [enrollment, setEnrollment] = useState<TotpEnrollment | null>(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const enroll = useMutation({
    mutationFn: () => call('enrollTotp'),
    onSuccess: (r) => {
      setEnrollment(r);
      setCode('');
    },
  });
  const confirm = useMutation({
    mutationFn: () => call('confirmTotp', { body: { code: code.replace(/\s+/g, '') } }),
    onSuccess: (r) => {
      setRecovery(r.recoveryCodes);
      setEnrollment(null);
      setCode('');
      void refresh();
    },
  });
  const disable = useMutation({
    mutationFn: () => call('disableTotp', { body: { code: code.replace(/\s+/g, '') } }),
    onSuccess: () => {
      setCode('');
      setRecovery(null);
      void refresh();
    },
  });

  if (recovery) return <RecoveryCodes codes={recovery} onDone={() => setRecovery(null)} />;

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
