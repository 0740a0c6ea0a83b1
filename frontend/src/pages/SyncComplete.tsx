import { useEffect, useState } from 'react';
import { Card, Notice, PageHeader } from '../components/ui';
import { useLocation } from '../lib/router';

/** Seconds before the page tries to close itself. */
const CLOSE_AFTER_SECONDS = 5;

/** `/sync/complete?result=approved|denied[&kind=cli]`: confirms the decision, then closes itself after a countdown. */
export default function SyncComplete() {
  const { query } = useLocation();
  const approved = query.get('result') === 'approved';
  const cli = query.get('kind') === 'cli';
  const [left, setLeft] = useState(CLOSE_AFTER_SECONDS);
  useEffect(() => {
    if (left <= 0) {
      // Browsers close only windows a script opened; otherwise the message below stays.
      window.close();
      return;
    }
    const t = setTimeout(() => setLeft((n) => n - 1), 1000);
    return () => clearTimeout(t);
  }, [left]);
  return (
    <>
      <PageHeader title={cli ? (approved ? 'CLI signed in' : 'CLI login denied') : approved ? 'Device linked' : 'Device denied'} />
      <Card>
        <Notice tone={approved ? 'success' : 'warning'}>
          {cli
            ? approved
              ? 'The flarevault CLI gets its API key on its next poll; go back to your terminal.'
              : 'The CLI login was refused; it got no key.'
            : approved
              ? 'The device is linked to your account and will finish setting up by itself.'
              : 'The device was refused; it cannot access your account.'}
        </Notice>
        <p className="mt-3 text-sm text-slate-600" aria-live="polite">
          {left > 0 ? `This window closes in ${left} s.` : 'You can close this window now.'}
        </p>
      </Card>
    </>
  );
}
