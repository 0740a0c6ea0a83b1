/**
 * A stand-in for Cloudflare's widget script (api.js), served by the local Turnstile endpoint because
 * challenges.cloudflare.com is not reachable offline. It follows the documented explicit-render API
 * (`turnstile.render(container, { sitekey, callback, 'error-callback' })`, `reset`, `remove`,
 * `getResponse`: https://developers.cloudflare.com/turnstile/get-started/client-side-rendering/) and
 * the dummy site keys' documented behaviour: `1x…` keys pass and hand over the dummy token, `2x…`
 * keys fail with no token (https://developers.cloudflare.com/turnstile/troubleshooting/testing/).
 * Like the real widget, the token comes from a cross-origin iframe by postMessage, so the
 * dashboard's CSP must allow this origin for scripts and frames. The token is only worth what
 * siteverify says: the server-side check is the real one.
 */
import { DUMMY_TOKEN } from './siteverify';

export const WIDGET_MESSAGE = 'flarevault-turnstile-standin';

export const API_JS = `(() => {
  const origin = new URL(document.currentScript.src).origin;
  const widgets = new Map();
  let next = 0;
  window.addEventListener('message', (e) => {
    if (e.origin !== origin || !e.data || e.data.source !== '${WIDGET_MESSAGE}') return;
    const w = widgets.get(e.data.widgetId);
    if (!w) return;
    if (e.data.token) { w.token = e.data.token; if (w.opts.callback) w.opts.callback(e.data.token); }
    else if (w.opts['error-callback']) w.opts['error-callback'](e.data.error);
  });
  function mount(id) {
    const w = widgets.get(id);
    w.el.replaceChildren();
    const frame = document.createElement('iframe');
    frame.title = 'Widget containing a Cloudflare security challenge (local stand-in)';
    frame.src = origin + '/turnstile/v0/widget?sitekey=' + encodeURIComponent(w.opts.sitekey) + '&id=' + encodeURIComponent(id);
    frame.style.cssText = 'width:300px;height:65px;border:0;overflow:hidden';
    w.el.appendChild(frame);
  }
  window.turnstile = {
    render(container, opts) {
      const el = typeof container === 'string' ? document.querySelector(container) : container;
      if (!el || !opts || !opts.sitekey) throw new Error('turnstile.render: a container and a sitekey are required');
      const id = 'cf-chl-widget-' + (next++);
      widgets.set(id, { el, opts, token: undefined });
      mount(id);
      return id;
    },
    reset(id) { const w = widgets.get(id); if (w) { w.token = undefined; mount(id); } },
    remove(id) { const w = widgets.get(id); if (w) { w.el.replaceChildren(); widgets.delete(id); } },
    getResponse(id) { const w = widgets.get(id); return w ? w.token : undefined; },
  };
})();
`;

/** The iframe: passes for `1x…` and `3x…` site keys (dummy token), fails for `2x…` ones. */
export function widgetPage(siteKey: string, widgetId: string): string {
  const passes = /^[13]x/.test(siteKey);
  const message = JSON.stringify(
    passes ? { source: WIDGET_MESSAGE, widgetId, token: DUMMY_TOKEN } : { source: WIDGET_MESSAGE, widgetId, error: 'failed' },
  ).replace(/</g, '\\u003c');
  const label = passes ? 'Success! (Turnstile test key, local)' : 'Failed (Turnstile test key, local)';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Turnstile (local)</title></head>
<body style="margin:0;font:14px system-ui;display:flex;align-items:center;gap:8px;height:63px;padding-left:12px;border:1px solid #ccc;box-sizing:border-box">
<span aria-hidden="true">${passes ? '&#10003;' : '&#10007;'}</span><span>${label}</span>
<script>parent.postMessage(${message}, '*');</script></body></html>`;
}
