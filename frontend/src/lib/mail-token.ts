import { useEffect, useState } from 'react';

/**
 * The token of a mailed link: in the fragment (#token=…), which never reaches a server log. Read once,
 * then dropped from the address bar and history.
 */
export function useMailedToken(): string {
  const [token] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '');
  useEffect(() => {
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  }, []);
  return token;
}

/** The local gateway answers only on loopback names, so these mean `npm start`: mail lands in the outbox. */
export const runsLocally = () => ['127.0.0.1', 'localhost'].includes(window.location.hostname);
