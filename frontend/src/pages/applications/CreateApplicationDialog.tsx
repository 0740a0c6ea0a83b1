import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { call } from '../../api/operations';
import { Modal } from '../../components/dialog';
import { Button, ErrorAlert, Field, Input, Textarea } from '../../components/ui';
import { toLines } from './lines';

/** Register an application: name, allowed origins and redirect URIs (one a line; https, or http for loopback: the server checks). */
export function CreateApplicationDialog({ workspaceId, open, onOpenChange, onCreated }: { workspaceId: string; open: boolean; onOpenChange: (o: boolean) => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [redirects, setRedirects] = useState('');
  const create = useMutation({
    mutationFn: () => call('createApplication', { params: { workspaceId }, body: { name, allowedOrigins: toLines(origins), redirectUris: toLines(redirects) } }),
    onSuccess: () => {
      setName('');
      setOrigins('');
      setRedirects('');
      onOpenChange(false);
      onCreated();
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Modal open={open} onOpenChange={onOpenChange} title="Register an application" description="Origins and redirect URIs use https (http only for localhost).">
      <form onSubmit={onSubmit} className="space-y-4" noValidate>
        <Field label="Application name" name="name" error={create.error}>
          {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} autoFocus />}
        </Field>
        <Field label="Allowed origins (one a line)" name="allowedOrigins" error={create.error}>
          {(p) => <Textarea {...p} rows={2} value={origins} onChange={(e) => setOrigins(e.target.value)} placeholder="https://app.example.com" />}
        </Field>
        <Field label="Redirect URIs (one a line)" name="redirectUris" error={create.error}>
          {(p) => <Textarea {...p} rows={2} value={redirects} onChange={(e) => setRedirects(e.target.value)} placeholder="https://app.example.com/callback" />}
        </Field>
        <ErrorAlert error={create.error} fields={['name', 'allowedOrigins', 'redirectUris']} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Register
          </Button>
        </div>
      </form>
    </Modal>
  );
}
