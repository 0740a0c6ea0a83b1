import { Copy } from 'lucide-react';
import { useState } from 'react';
import type { CreateApiKeyResponse } from '../../api/types';
import { Button, Card, Notice } from '../../components/ui';
import { ApiKeyList } from './ApiKeyList';
import { CreateApiKeyForm } from './CreateApiKeyForm';

/** Create API keys (the secret is shown once, here), list and delete them. */
export function ApiKeysTab() {
  const [secret, setSecret] = useState<CreateApiKeyResponse | null>(null);
  return (
    <div className="space-y-6">
      {secret ? (
        <Card title={`Key “${secret.apiKey.name}” created`}>
          <Notice tone="warning" className="mb-3">
            Copy the key now: it is shown only once. Send it as <code>Authorization: Bearer …</code>.
          </Notice>
          <div className="flex flex-wrap items-center gap-2">
            <code className="min-w-0 flex-1 rounded bg-slate-100 px-2 py-1 font-mono text-sm break-all" data-api-key-secret>
              {secret.secret}
            </code>
            <Button variant="secondary" size="sm" onClick={() => void navigator.clipboard?.writeText(secret.secret)}>
              <Copy className="size-4" aria-hidden /> Copy
            </Button>
            <Button size="sm" onClick={() => setSecret(null)}>
              Done
            </Button>
          </div>
        </Card>
      ) : null}
      <CreateApiKeyForm onCreated={setSecret} />
      <ApiKeyList />
    </div>
  );
}
