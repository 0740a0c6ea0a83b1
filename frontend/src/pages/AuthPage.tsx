import { useMutation } from '@tanstack/react-query';
import { Fingerprint, KeyRound } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { call } from '../api/operations';
import type { LoginBody, SignedIn, SignupBody } from '../api/types';
import { AuthShell } from '../components/AuthShell';
import { TurnstileWidget } from '../components/TurnstileWidget';
import { Button, ErrorAlert, Field, Input, Notice } from '../components/ui';
import { useAuth } from '../lib/auth';
import { withHostedLogin } from '../lib/hosted-login';
import { useTurnstileToken } from '../lib/turnstile';
import { Link, useLocation } from '../lib/router';
import { passkeyAssertion, passkeysSupported, signInWithPasskey } from '../lib/passkeys';
import { providerErrorMessage } from '../lib/oidc';
import { ProviderButtons } from './auth/ProviderButtons';

export function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const { signedIn, lostReason } = useAuth();
  const { query } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [mfaStep, setMfaStep] = useState(false);
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState('');
  /** What the mfa-required answer offered: `passkeyOptions` when the account has passkeys, `secondFactors` it accepts. */
  const [mfaOffer, setMfaOffer] = useState<{ passkeyOptions?: unknown; secondFactors: string[] } | null>(null);
  /** Back from a provider (`/login?oidc=…`): a second factor to give, a link to confirm after logging in, or an error. */
  const oidc = mode === 'login' ? query.get('oidc') : null;
  const providerMfa = oidc === 'second-factor';
  /** Sign-up's bot check (when the stage turns Turnstile on). */
  const turnstile = useTurnstileToken();

  /** The second factor given: the passkey's assertion, or the typed code as a TOTP or a recovery code (none when empty). */
  const secondFactorOf = async (how: 'form' | 'passkey'): Promise<Pick<LoginBody, 'totp' | 'recoveryCode' | 'passkey'>> => {
    if (how === 'passkey') return { passkey: (await passkeyAssertion(mfaOffer?.passkeyOptions)) as never };
    if (!code.trim()) return {};
    return useRecovery ? { recoveryCode: code.trim() } : { totp: code.replace(/\s+/g, '') };
  };

  const submit = useMutation({
    mutationFn: async (how: 'form' | 'passkey' = 'form'): Promise<SignedIn> => {
      if (how === 'passkey' && !mfaStep) return signInWithPasskey();
      // The provider signed the user in; this browser's pending sign-in needs the account's second factor.
      if (providerMfa) return call('oidcSecondFactor', { body: await secondFactorOf(how), quietAuth: true });
      if (mode === 'signup') {
        const body: SignupBody = turnstile.withToken({ email, password });
        return call('signup', { body, quietAuth: true }).finally(turnstile.spent);
      }
      // Past the top line a passkey here is the second factor, so mfaStep holds.
      const body: LoginBody = { email, password, ...(mfaStep ? await secondFactorOf(how) : {}) };
      return call('login', { body, quietAuth: true });
    },
    onSuccess: signedIn,
    onError: (e) => {
      if (e instanceof ApiError && e.slug === 'mfa-required') {
        setMfaStep(true);
        // A fresh prompt carries fresh options (each challenge answers once); a refused code keeps the last offer.
        if (e.problem.secondFactors) setMfaOffer({ passkeyOptions: e.problem.passkeyOptions, secondFactors: e.problem.secondFactors as string[] });
      }
    },
  });

  // A provider sign-in that needs a second factor: ask which ones the account has.
  const { mutate } = submit;
  useEffect(() => {
    if (providerMfa) mutate('form');
  }, [providerMfa, mutate]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit.mutate('form');
  };
  const codes = !mfaOffer || mfaOffer.secondFactors.includes('totp');

  const err = submit.error;
  // mfa-required is a step, not an error — unless a code was given and refused.
  const showErr = err && !(err instanceof ApiError && err.slug === 'mfa-required' && !code && !err.problem.errors);
  const fieldNames = ['email', 'password', 'totp', 'recoveryCode', 'passkey', 'turnstileToken'];
  const expired = lostReason === 'expired' || query.get('expired') === '1';

  return (
    <AuthShell
      footer={
        <p className="mt-4 text-center text-sm text-slate-600">
          {mode === 'signup' ? (
            <>
              Already have an account?{' '}
              <Link to={withHostedLogin('/login', query)} className="font-medium text-orange-700 underline">
                Log in
              </Link>
            </>
          ) : (
            <>
              New here?{' '}
              <Link to={withHostedLogin('/signup', query)} className="font-medium text-orange-700 underline">
                Create an account
              </Link>
              {' · '}
              <Link to="/forgot" className="text-slate-600 underline">
                Forgot password?
              </Link>
            </>
          )}
        </p>
      }
    >
      <h1 className="mb-1 text-xl font-semibold">{mode === 'signup' ? 'Create your account' : 'Log in'}</h1>
      <p className="mb-5 text-sm text-slate-600">
        {mode === 'signup' ? 'Safe bulk changes across all your Cloudflare zones.' : 'Welcome back.'}
      </p>
      {query.get('authorize') ? (
        <Notice tone="info" className="mb-4">
          An application asks you to sign in with your flarevault account. You will be sent back to it.
        </Notice>
      ) : null}
      {expired && mode === 'login' ? (
        <Notice tone="warning" className="mb-4">
          Your session expired. Log in again to continue where you were.
        </Notice>
      ) : null}
      {oidc === 'link' ? (
        <Notice tone="info" className="mb-4">
          The email address your provider confirmed belongs to a flarevault account. Log in to that account to link the provider: you will be asked to confirm.
        </Notice>
      ) : null}
      {oidc === 'error' ? (
        <Notice tone="warning" className="mb-4">
          {providerErrorMessage(query.get('reason'))}
        </Notice>
      ) : null}
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        {providerMfa ? null : (
          <>
        <Field label="Email" name="email" error={err}>
          {(p) => (
            <Input {...p} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} disabled={mfaStep} />
          )}
        </Field>
        <Field label="Password" name="password" error={err} hint={mode === 'signup' ? 'At least 12 characters; long passphrases are best.' : undefined}>
          {(p) => (
            <Input
              {...p}
              type="password"
              autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              disabled={mfaStep}
            />
          )}
        </Field>
          </>
        )}
        {mfaStep ? (
          <div className="space-y-3 rounded-md bg-slate-50 p-3 ring-1 ring-slate-200">
            <p className="flex items-center gap-2 text-sm font-medium text-slate-800">
              <KeyRound className="size-4" aria-hidden /> Two-factor authentication
            </p>
            {mfaOffer?.passkeyOptions ? (
              <Button type="button" variant="secondary" className="w-full" onClick={() => submit.mutate('passkey')} loading={submit.isPending}>
                <Fingerprint className="size-4" aria-hidden /> Use a passkey
              </Button>
            ) : null}
            {codes ? (
              <>
            <Field
              label={useRecovery ? 'Recovery code' : 'Code from your authenticator app'}
              name={useRecovery ? 'recoveryCode' : 'totp'}
              error={err instanceof ApiError && err.slug !== 'mfa-required' ? err : undefined}
            >
              {(p) => (
                <Input
                  {...p}
                  autoFocus
                  inputMode={useRecovery ? 'text' : 'numeric'}
                  autoComplete="one-time-code"
                  placeholder={useRecovery ? 'xxxx-xxxx-xxxx' : '123456'}
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                />
              )}
            </Field>
            <button
              type="button"
              className="text-sm text-orange-700 underline"
              onClick={() => {
                setUseRecovery((r) => !r);
                setCode('');
              }}
            >
              {useRecovery ? 'Use an authenticator code instead' : 'Use a recovery code instead'}
            </button>
              </>
            ) : null}
          </div>
        ) : null}
        {mode === 'signup' ? <TurnstileWidget {...turnstile.widget} error={err} /> : null}
        {showErr ? <ErrorAlert error={err} fields={fieldNames} /> : null}
        {mfaStep && !codes ? null : (
          <Button type="submit" className="w-full" loading={submit.isPending}>
            {mode === 'signup' ? 'Create account' : mfaStep ? 'Verify and log in' : 'Log in'}
          </Button>
        )}
      </form>
      {!mfaStep && !providerMfa ? <ProviderButtons /> : null}
      {mode === 'login' && !mfaStep && !providerMfa ? (
        <p className="mt-4 text-center text-sm">
          <Link to="/magic-link" className="text-orange-700 underline">
            Email me a sign-in link
          </Link>
        </p>
      ) : null}
      {mode === 'login' && !mfaStep && !providerMfa && passkeysSupported() ? (
        <div className="mt-4 border-t border-slate-200 pt-4">
          <Button type="button" variant="secondary" className="w-full" onClick={() => submit.mutate('passkey')} loading={submit.isPending}>
            <Fingerprint className="size-4" aria-hidden /> Sign in with a passkey
          </Button>
        </div>
      ) : null}
    </AuthShell>
  );
}
