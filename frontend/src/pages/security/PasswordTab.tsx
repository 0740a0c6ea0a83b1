import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { call } from '../../api/operations';
import type { ChangePasswordBody } from '../../api/types';
import { Button, Card, ErrorAlert, Field, Input, Notice } from '../../components/ui';

/** Change the password; the server signs out every other session. */
export function PasswordTab() {
  const [form, setForm] = useState<ChangePasswordBody>({ currentPassword: '', newPassword: '' });
  const [again, setAgain] = useState('');
  const change = useMutation({
    mutationFn: () => call('changePassword', { body: form }),
    onSuccess: () => {
      setForm({ currentPassword: '', newPassword: '' });
      setAgain('');
    },
  });
  const mismatch = again.length > 0 && again !== form.newPassword;
  return (
    <Card title="Change password">
      <form
        className="max-w-sm space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!mismatch) change.mutate();
        }}
      >
        <Field label="Current password" name="currentPassword" error={change.error}>
          {(p) => <Input {...p} type="password" autoComplete="current-password" value={form.currentPassword} onChange={(e) => setForm({ ...form, currentPassword: e.target.value })} />}
        </Field>
        <Field label="New password" name="newPassword" error={change.error} hint="At least 12 characters.">
          {(p) => <Input {...p} type="password" autoComplete="new-password" value={form.newPassword} onChange={(e) => setForm({ ...form, newPassword: e.target.value })} />}
        </Field>
        <Field label="New password again" name="newPasswordAgain" error={mismatch ? 'The passwords differ.' : undefined}>
          {(p) => <Input {...p} type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />}
        </Field>
        <ErrorAlert error={change.error} fields={['currentPassword', 'newPassword']} />
        {change.isSuccess ? <Notice tone="success">Password changed. Every other session was signed out.</Notice> : null}
        <Button type="submit" loading={change.isPending} disabled={mismatch}>
          Change password
        </Button>
      </form>
    </Card>
  );
}
