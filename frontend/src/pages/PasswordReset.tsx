import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { call } from '../api/operations';
import { AuthShell } from '../components/AuthShell';
import { TurnstileWidget } from '../components/TurnstileWidget';
import { Button, ErrorAlert, Field, Input, Notice } from '../components/ui';
import { Link, useLocation } from '../lib/router';
import { useTurnstileToken } from '../lib/turnstile';
import { runsLocally, useMailedToken } from '../lib/mail-token';

/** /forgot asks for a reset mail; /reset?token=… sets the new password. */
export default function PasswordReset() {
  const { path, query } = useLocation();
  const mailed = useMailedToken();
  const token = mailed || (query.get('token') ?? '');
  const [email, setEmail] = useState('');
  const [newPassword, setNewPassword] = useState('');

  const turnstile = useTurnstileToken();
  const requestReset = useMutation({
    mutationFn: () => call('requestPasswordReset', { body: turnstile.withToken({ email }), quietAuth: true }).finally(turnstile.spent),
  });
  const reset = useMutation({ mutationFn: () => call('resetPassword', { body: { token, newPassword }, quietAuth: true }) });

  const isReset = path === '/reset' || path === '/reset-password';
  const m = isReset ? reset : requestReset;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    m.mutate();
  };

  return (
    <AuthShell
      footer={
        <p className="mt-4 text-center text-sm">
          <Link to="/login" className="text-orange-700 underline">
            Back to log in
          </Link>
        </p>
      }
    >
      <h1 className="mb-4 text-xl font-semibold">{isReset ? 'Choose a new password' : 'Reset your password'}</h1>
      {m.isSuccess ? (
        <Notice tone="success">
          {isReset ? (
            <>
              Password changed; every session was signed out.{' '}
              <Link to="/login" className="underline">
                Log in
              </Link>
            </>
          ) : (
            <>
              If an account exists for that address, a reset link is on its way.
              {runsLocally() ? (
                <> Running locally: the link is printed in the terminal running <code>npm start</code> and saved in the outbox folder (<code>.flarevault/outbox/</code> by default).</>
              ) : null}
            </>
          )}
        </Notice>
      ) : (
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          {isReset ? (
            <Field label="New password" name="newPassword" error={m.error} hint="At least 12 characters.">
              {(p) => <Input {...p} type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNewPassword(e.target.value)} />}
            </Field>
          ) : (
            <Field label="Email" name="email" error={m.error}>
              {(p) => <Input {...p} type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
            </Field>
          )}
          {isReset && !token ? <Notice tone="warning">This link has no token. Open the link from the mail again.</Notice> : null}
          {isReset ? null : <TurnstileWidget {...turnstile.widget} error={m.error} />}
          <ErrorAlert error={m.error} fields={['email', 'newPassword', 'turnstileToken']} />
          <Button type="submit" className="w-full" loading={m.isPending}>
            {isReset ? 'Set password' : 'Send reset link'}
          </Button>
        </form>
      )}
    </AuthShell>
  );
}
