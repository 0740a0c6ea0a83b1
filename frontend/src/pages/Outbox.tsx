import { Mail } from 'lucide-react';
import { useState } from 'react';
import { useOutbox } from '../api/queries';
import { Card, EmptyState, ErrorAlert, PageHeader, SkeletonRows, cx, relativeTime } from '../components/ui';

/** Local mode only: the signed-in user's mail the stack "sent" (reset links, notices), read from the outbox under .flarevault/. */
export default function Outbox() {
  const outbox = useOutbox({ poll: true });
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <PageHeader title="Mail outbox" description="Local mode: mail to you is written to the outbox instead of being sent. Mail to other accounts is not shown here." />
      {outbox.isPending ? (
        <SkeletonRows rows={4} label="Loading the outbox" />
      ) : outbox.isError ? (
        <ErrorAlert error={outbox.error} />
      ) : outbox.data === null ? (
        <EmptyState title="No outbox here">This deployment sends real mail; the outbox exists only in local mode.</EmptyState>
      ) : outbox.data.messages.length === 0 ? (
        <EmptyState icon={<Mail className="size-10" />} title="No mail yet">
          Ask for a password reset from the log-in page and the mail shows up here.
        </EmptyState>
      ) : (
        <ul className="space-y-3">
          {[...outbox.data.messages]
            .sort((a, b) => b.sentAt.localeCompare(a.sentAt))
            .map((m) => (
              <li key={m.id}>
                <Card>
                  <button
                    type="button"
                    className="flex w-full flex-wrap items-baseline justify-between gap-2 text-left"
                    aria-expanded={open === m.id}
                    onClick={() => setOpen(open === m.id ? null : m.id)}
                  >
                    <span className="font-medium">{m.subject}</span>
                    <span className="text-xs text-slate-500">
                      to {m.to} · {relativeTime(m.sentAt)}
                    </span>
                  </button>
                  <pre className={cx('mt-3 overflow-x-auto text-xs whitespace-pre-wrap break-words text-slate-700', open === m.id ? '' : 'line-clamp-2')}>
                    <Linkified text={m.text} />
                  </pre>
                </Card>
              </li>
            ))}
        </ul>
      )}
    </>
  );
}

/** Turn same-origin links in the mail text into anchors (others stay text). */
function Linkified({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/\S+)/g);
  return (
    <>
      {parts.map((p, i) => {
        if (!/^https?:\/\//.test(p)) return p;
        let url: URL | null = null;
        try {
          url = new URL(p);
        } catch {
          url = null;
        }
        // Local mode: links to this app (PUBLIC_URL may name another local port) open here.
        const local = url && (url.origin === window.location.origin || ['127.0.0.1', 'localhost'].includes(url.hostname));
        return url && local ? (
          <a key={i} href={url.pathname + url.search + url.hash} className="text-orange-700 underline">
            {p}
          </a>
        ) : (
          p
        );
      })}
    </>
  );
}
