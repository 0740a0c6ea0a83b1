import { operationPath } from '../../api/operations';
import type { Application } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { Card, Notice } from '../../components/ui';
import { quickStartSnippet } from './quick-start-snippet';

function Snippet({ label, text }: { label: string; text: string }) {
  return (
    <figure className="space-y-1">
      <figcaption className="flex items-center justify-between gap-2 text-sm font-medium text-slate-700">
        {label} <CopyButton text={text} label={`Copy ${label.toLowerCase()}`} />
      </figcaption>
      <pre className="overflow-x-auto rounded bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100" data-snippet={label}>
        {text}
      </pre>
    </figure>
  );
}

/** Copy-paste quick start: install, the SDK snippet for this app, and an automation call. */
export function QuickStart({ app }: { app: Application }) {
  const apiUrl = window.location.origin;
  const curl = `curl -H "Authorization: Bearer fv_auto_…" ${apiUrl}${operationPath('getSessionValue', { key: 'greeting' })}`;
  return (
    <Card title="Quick start">
      <div className="space-y-4">
        {app.redirectUris.length === 0 || app.allowedOrigins.length === 0 ? (
          <Notice tone="warning">
            Register the app's origin and its redirect URI first: the hosted login redirects only to a registered URI, and the Session API answers browsers only from registered origins.
          </Notice>
        ) : null}
        <Snippet label="Install" text="npm install @flarevault/sdk" />
        <Snippet label="Sign in and store a value" text={quickStartSnippet(app, apiUrl)} />
        <p className="text-sm text-slate-600">
          The token stays in memory; on an expired session the SDK sends the user through the hosted login and back to the same page. Automations (n8n, Make, Zapier, agents) use a credential
          below with the same Session API:
        </p>
        <Snippet label="Automation" text={curl} />
      </div>
    </Card>
  );
}
