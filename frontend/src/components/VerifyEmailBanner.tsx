import { useMutation } from '@tanstack/react-query';
import { call } from '../api/operations';
import { useAuth } from '../lib/auth';
import { Button, ErrorAlert } from './ui';

/** Above every signed-in page while the sign-up address awaits its link: what waits for it, and a resend. */
export function VerifyEmailBanner() {
  const { user } = useAuth();
  const resend = useMutation({ mutationFn: () => call('resendEmailVerification', {}) });
  if (!user || user.emailVerified) return null;
  return (
    <div role="region" aria-label="Email verification" className="mb-6 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
      <p>
        Verify <strong>{user.email}</strong> to connect Cloudflare accounts, invite members and register applications: open the link we mailed you.
      </p>
      <div className="mt-2 flex items-center gap-3">
        <Button variant="secondary" loading={resend.isPending} onClick={() => resend.mutate()}>
          Resend the link
        </Button>
        {resend.isSuccess ? <span role="status">Sent. Check your mail.</span> : null}
      </div>
      <ErrorAlert error={resend.error} />
    </div>
  );
}
