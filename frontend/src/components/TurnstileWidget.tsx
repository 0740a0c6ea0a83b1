import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { loadTurnstile, useBotProtection } from '../lib/turnstile';

/**
 * The Turnstile widget of a protected form (signup, magic link, password reset), rendered only when
 * the stage turns Turnstile on. `onToken` gets the token (undefined once it expires or fails);
 * bump `resetKey` after each submission: a token verifies once, so the next try needs a new one.
 */
export function TurnstileWidget({ onToken, resetKey, error }: { onToken: (token: string | undefined) => void; resetKey: number; error?: unknown }) {
  const { data } = useBotProtection();
  const host = useRef<HTMLDivElement | null>(null);
  const [loadError, setLoadError] = useState<string>();
  const config = data?.turnstile;
  const tokenCallback = useRef(onToken);
  tokenCallback.current = onToken;

  useEffect(() => {
    if (!config || !host.current) return;
    let widgetId: string | undefined;
    let gone = false;
    tokenCallback.current(undefined);
    loadTurnstile(config.scriptUrl).then(
      (turnstile) => {
        if (gone || !host.current) return;
        widgetId = turnstile.render(host.current, {
          sitekey: config.siteKey,
          callback: (token) => tokenCallback.current(token),
          'error-callback': () => tokenCallback.current(undefined),
          'expired-callback': () => tokenCallback.current(undefined),
        });
      },
      (e: Error) => setLoadError(e.message),
    );
    return () => {
      gone = true;
      if (widgetId !== undefined) window.turnstile?.remove(widgetId);
    };
  }, [config, resetKey]);

  if (!config) return null;
  const message = loadError ?? (error instanceof ApiError ? error.fieldError('turnstileToken') : undefined);
  return (
    <div className="space-y-1">
      <div ref={host} data-turnstile-widget="" />
      {message ? (
        <p className="text-sm text-red-600" data-field-error="turnstileToken" role="alert">
          Bot check: {message}
        </p>
      ) : null}
    </div>
  );
}
