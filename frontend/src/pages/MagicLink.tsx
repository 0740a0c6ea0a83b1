import { useMutation } from '@tanstack/react-query';
import { Fingerprint } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { call } from '../api/operations';
import type { SignedIn } from '../api/types';
import { AuthShell } from '../components/AuthShell';
import { TurnstileWidget } from '../components/TurnstileWidget';
import { Button, ErrorAlert, Field, Input, Notice } from '../components/ui';
import { useAuth } from '../lib/auth';
import { runsLocally, useMailedToken } from '../lib/mail-token';
import { useTurnstileToken } from '../lib/turnstile';
import { passkeyAssertion } from '../lib/passkeys';
import { Link, navigate } from '../lib/router';

/**
 * `/magic-link`: without a token, asks for a sign-in link by mail and shows the code to type if the
 * link is opened in another browser; with `#token=…` (the mailed link), signs in: in another browser
 * it asks for that code, and an account with two-factor asks for its second factor.
 */
export default function MagicLink() {
  const token = useMailedToken();
  return <AuthShell footer={<BackToLogin />}>{token ? <UseLink token={token} /> : <AskForLink />}</AuthShell>;
}

function BackToLogin() {
  return (
    <p className="mt-4 text-center text-sm">
      <Link to="/login" className="text-orange-700 underline">
        Back to log in
      </Link>
    </p>
  );
}

function AskForLink() {
  const [email, setEmail] = useState('');
  const turnstile = useTurnstileToken();
  const ask = useMutation({ mutationFn: () => call('requestMagicLink', { body: turnstile.withToken({ email }), quietAuth: true }).finally(turnstile.spent) });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    ask.mutate();
  };
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Email me a sign-in link</h1>
      {ask.isSuccess ? (
        <div className="space-y-4">
          <Notice tone="success">
            If an account exists for that address, a sign-in link is on its way. It works once, for 15 minutes, in this browser.
            {runsLocally() ? (
              <> Running locally: the link is in the outbox folder (<code>.flarevault/outbox/</code> by default) and printed by <code>npm start</code>.</>
            ) : null}
          </Notice>
          <div className="rounded-md bg-slate-50 p-3 text-sm ring-1 ring-slate-200">
            <p>Opening the link on another device? Type this code there:</p>
            <p className="mt-2 font-mono text-2xl tracking-widest" data-magic-code>
              {ask.data.code}
            </p>
          </div>
        </div>
      ) : (
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          <Field label="Email" name="email" error={ask.error}>
            {(p) => <Input {...p} type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
          </Field>
          <TurnstileWidget {...turnstile.widget} error={ask.error} />
          <ErrorAlert error={ask.error} fields={['email', 'turnstileToken']} />
          <Button type="submit" className="w-full" loading={ask.isPending}>
            Send the link
          </Button>
        </form>
      )}
    </>
  );
}

function UseLink({ token }: { token: string }) {
  const { signedIn } = useAuth();
  const [code, setCode] = useState('');
  const [secondFactor, setSecondFactor] = useState('');
  const [needs, setNeeds] = useState<{ code: boolean; mfa: boolean; passkeyOptions?: unknown }>({ code: false, mfa: false });
  const submit = useMutation({
    mutationFn: async (how: 'form' | 'passkey'): Promise<SignedIn> => {
      const factor = secondFactor.trim();
      const passkey = how === 'passkey' ? ((await passkeyAssertion(needs.passkeyOptions)) as never) : undefined;
      return call('signInWithMagicLink', {
        body: {
          token,
          ...(needs.code && code.trim() ? { code: code.trim() } : {}),
          ...(passkey ? { passkey } : factor ? (/^\d{6}$/.test(factor) ? { totp: factor } : { recoveryCode: factor }) : {}),
        },
        quietAuth: true,
      });
    },
    onSuccess: (s) => {
      signedIn(s);
      navigate('/', { replace: true });
    },
    onError: (e) => {
      if (!(e instanceof ApiError)) return;
      if (e.slug === 'magic-link-code-required') setNeeds((n) => ({ ...n, code: true }));
      if (e.slug === 'mfa-required' && e.problem.secondFactors) setNeeds((n) => ({ ...n, mfa: true, passkeyOptions: e.problem.passkeyOptions }));
    },
  });
  const err = submit.error;
  // The two prompts are steps, not errors.
  const step = err instanceof ApiError && !err.problem.errors && (err.slug === 'magic-link-code-required' || err.slug === 'mfa-required');
  const dead = err instanceof ApiError && err.slug === 'invalid-magic-link';
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit.mutate('form');
  };
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Sign in with your link</h1>
      {dead ? (
        <Notice tone="warning">
          This link was already used, has expired or is not valid.{' '}
          <Link to="/magic-link" className="underline">
            Ask for a new one
          </Link>
        </Notice>
      ) : (
        <form onSubmit={onSubmit} className="space-y-4" noValidate>
          {needs.code ? (
            <>
              <Notice tone="info">This link was asked for in another browser. Type the code that browser shows.</Notice>
              <Field label="Code from the other browser" name="code" error={err}>
                {(p) => <Input {...p} inputMode="numeric" autoComplete="off" placeholder="123456" value={code} onChange={(e) => setCode(e.target.value)} />}
              </Field>
            </>
          ) : null}
          {needs.mfa ? (
            <div className="space-y-3 rounded-md bg-slate-50 p-3 ring-1 ring-slate-200">
              {needs.passkeyOptions ? (
                <Button type="button" variant="secondary" className="w-full" onClick={() => submit.mutate('passkey')} loading={submit.isPending}>
                  <Fingerprint className="size-4" aria-hidden /> Use a passkey
                </Button>
              ) : null}
              <Field label="Authenticator or recovery code" name="totp" error={err}>
                {(p) => <Input {...p} autoComplete="one-time-code" value={secondFactor} onChange={(e) => setSecondFactor(e.target.value)} />}
              </Field>
            </div>
          ) : null}
          {err && !step ? <ErrorAlert error={err} fields={['code', 'totp', 'recoveryCode', 'passkey']} /> : null}
          <Button type="submit" className="w-full" loading={submit.isPending}>
            Sign in
          </Button>
        </form>
      )}
    </>
  );
}
