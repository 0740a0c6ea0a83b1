import { useMutation } from '@tanstack/react-query';
import { call } from '../api/operations';
import { AuthShell } from '../components/AuthShell';
import { Button, ErrorAlert, Notice } from '../components/ui';
import { useAuth } from '../lib/auth';
import { useMailedToken } from '../lib/mail-token';
import { Link } from '../lib/router';

/** `/verify-email#token=…`: the landing page of a verification link (the sign-up address, or a new one). */
export default function VerifyEmail() {
  const token = useMailedToken();
  const { status, refresh } = useAuth();
  const verify = useMutation({
    mutationFn: () => call('verifyEmail', { body: { token }, quietAuth: true }),
    // A signed-in browser shows the new state at once (the banner goes, a changed address shows).
    onSuccess: () => (status === 'signed-in' ? refresh() : undefined),
  });
  return (
    <AuthShell
      footer={
        <p className="mt-4 text-center text-sm">
          <Link to={status === 'signed-in' ? '/' : '/login'} className="text-orange-700 underline">
            {status === 'signed-in' ? 'Go to the overview' : 'Log in'}
          </Link>
        </p>
      }
    >
      <h1 className="mb-4 text-xl font-semibold">Verify your email address</h1>
      {verify.isSuccess ? (
        <Notice tone="success">
          {verify.data.purpose === 'change' ? `Your account's email address is now ${verify.data.email}.` : `${verify.data.email} is verified.`}
        </Notice>
      ) : !token ? (
        <Notice tone="warning">This link has no token. Open the link from the mail again.</Notice>
      ) : (
        <div className="space-y-4">
          <ErrorAlert error={verify.error} fields={['token']} />
          <Button className="w-full" loading={verify.isPending} onClick={() => verify.mutate()}>
            Verify my email
          </Button>
        </div>
      )}
    </AuthShell>
  );
}
