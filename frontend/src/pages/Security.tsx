import * as Tabs from '@radix-ui/react-tabs';
import { PageHeader } from '../components/ui';
import { setQuery, useLocation } from '../lib/router';
import { ApiKeysTab } from './security/ApiKeysTab';
import { AuditLogTab } from './security/AuditLogTab';
import { IdentitiesTab } from './security/IdentitiesTab';
import { PasskeysTab } from './security/PasskeysTab';
import { PasswordTab } from './security/PasswordTab';
import { EmailTab } from './security/EmailTab';
import { SessionsTab } from './security/SessionsTab';
import { DevicesCard } from './sync/DevicesCard';
import { TwoFactorTab } from './security/TwoFactorTab';

const TABS = [
  ['sessions', 'Sessions'],
  ['devices', 'Sync devices'],
  ['passkeys', 'Passkeys'],
  ['identities', 'Linked identities'],
  ['mfa', 'Two-factor'],
  ['api-keys', 'API keys'],
  ['password', 'Password'],
  ['email', 'Email'],
  ['audit', 'Audit log'],
] as const;

/** `/security`: one Radix tab per concern, the active one kept in `?tab=` (sessions when absent). */
export default function Security() {
  const { query } = useLocation();
  const tab = TABS.some(([k]) => k === query.get('tab')) ? query.get('tab')! : 'sessions';
  return (
    <>
      <PageHeader title="Security" description="Sessions, linked sync devices, passkeys, linked identities, two-factor authentication, API keys, password, email address and the audit trail of your account." />
      <Tabs.Root value={tab} onValueChange={(v) => setQuery({ tab: v === 'sessions' ? undefined : v })}>
        <Tabs.List aria-label="Security settings" className="mb-6 flex gap-1 overflow-x-auto border-b border-slate-200">
          {TABS.map(([k, label]) => (
            <Tabs.Trigger
              key={k}
              value={k}
              className="shrink-0 border-b-2 border-transparent px-3 py-2 text-sm font-medium whitespace-nowrap text-slate-600 hover:text-slate-900 data-[state=active]:border-orange-600 data-[state=active]:text-orange-700"
            >
              {label}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        <Tabs.Content value="sessions">
          <SessionsTab />
        </Tabs.Content>
        <Tabs.Content value="devices">
          <DevicesCard />
        </Tabs.Content>
        <Tabs.Content value="passkeys">
          <PasskeysTab />
        </Tabs.Content>
        <Tabs.Content value="identities">
          <IdentitiesTab />
        </Tabs.Content>
        <Tabs.Content value="mfa">
          <TwoFactorTab />
        </Tabs.Content>
        <Tabs.Content value="api-keys">
          <ApiKeysTab />
        </Tabs.Content>
        <Tabs.Content value="password">
          <PasswordTab />
        </Tabs.Content>
        <Tabs.Content value="email">
          <EmailTab />
        </Tabs.Content>
        <Tabs.Content value="audit">
          <AuditLogTab />
        </Tabs.Content>
      </Tabs.Root>
    </>
  );
}
