import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../../api/operations';
import { Button, Card, ErrorAlert, Field, Input, Notice } from '../../components/ui';
import { useAuth } from '../../lib/auth';

/** The account's email: its verification state, and a change that takes effect once the new address confirms. */
export function EmailTab() {
  const { user } = useAuth();
  const [newEmail, setNewEmail] = useState('');
  const change = useMutation({ mutationFn: () => call('changeEmail', { body: { newEmail } }) });
  return (
    <Card title="Email address">
      <p className="mb-4 text-sm">
        <span className="font-medium">{user?.email}</span>{' '}
        <span data-email-status className={user?.emailVerified ? 'text-green-700' : 'text-amber-700'}>
          {user?.emailVerified ? '(verified)' : '(not verified yet)'}
        </span>
      </p>
      <form
        className="max-w-sm space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate();
        }}
      >
        <Field label="New email address" name="newEmail" error={change.error} hint="We mail a link to the new address; the change takes effect when it is opened. Needs a recent sign-in.">
          {(p) => <Input {...p} type="email" autoComplete="email" value={newEmail} onChange={(e) => setNewEmail(e.target.value)} />}
        </Field>
        <ErrorAlert error={change.error} fields={['newEmail']} />
        {change.isSuccess ? <Notice tone="success">Check the new address for a confirmation link. Your current address was told too.</Notice> : null}
        <Button type="submit" loading={change.isPending}>
          Change email
        </Button>
      </form>
    </Card>
  );
}
