/**
 * Cloudflare Turnstile in the dashboard: the stage says whether it is on (GET
 * /api/v1/auth/bot-protection); only then is the widget script loaded, explicitly rendered
 * (https://developers.cloudflare.com/turnstile/get-started/client-side-rendering/). The CSP allows
 * the script's origin only on stages that turn Turnstile on (lib/edge-policy.ts).
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../api/operations';

export interface TurnstileApi {
  render(
    container: HTMLElement,
    options: { sitekey: string; callback: (token: string) => void; 'error-callback'?: () => void; 'expired-callback'?: () => void },
  ): string;
  reset(widgetId: string): void;
  remove(widgetId: string): void;
}

declare global {
  interface Window {
    turnstile?: TurnstileApi;
  }
}

/** The stage's setting; null while loading or when off. */
export function useBotProtection() {
  return useQuery({
    queryKey: ['bot-protection'],
    queryFn: ({ signal }) => call('getBotProtection', { signal, quietAuth: true }),
    staleTime: Infinity,
  });
}

let loading: Promise<TurnstileApi> | undefined;

/** Loads the widget script once (explicit rendering). */
export function loadTurnstile(scriptUrl: string): Promise<TurnstileApi> {
  loading ??= new Promise<TurnstileApi>((resolve, reject) => {
    const script = document.createElement('script');
    const url = new URL(scriptUrl);
    url.searchParams.set('render', 'explicit');
    script.src = url.toString();
    script.async = true;
    script.onload = () => (window.turnstile ? resolve(window.turnstile) : reject(new Error('Turnstile did not load')));
    script.onerror = () => {
      loading = undefined;
      reject(new Error('The bot check could not be loaded'));
    };
    document.head.appendChild(script);
  });
  return loading;
}

/**
 * A protected form's token: `widget` are the TurnstileWidget's props, `withToken` adds the token to
 * a body when there is one, `spent` after each submission renders a fresh widget (a token verifies once).
 */
export function useTurnstileToken() {
  const [token, setToken] = useState<string>();
  const [round, setRound] = useState(0);
  return {
    widget: { onToken: setToken, resetKey: round },
    withToken: <B extends object>(body: B): B & { turnstileToken?: string } => (token ? { ...body, turnstileToken: token } : body),
    spent: () => setRound((n) => n + 1),
  };
}
