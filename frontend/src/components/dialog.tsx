import * as Dialog from '@radix-ui/react-dialog';
import { X } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button, ErrorAlert } from './ui';

/** A modal built on Radix Dialog (focus trap, Escape, labelled title). */
export function Modal({
  open,
  onOpenChange,
  title,
  description,
  children,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <Dialog.Content className="fixed top-1/2 left-1/2 z-50 max-h-[90vh] w-[calc(100vw-2rem)] max-w-lg -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-lg bg-white p-5 shadow-xl focus:outline-none">
          <div className="mb-3 flex items-start justify-between gap-3">
            <Dialog.Title className="text-lg font-semibold text-slate-900">{title}</Dialog.Title>
            <Dialog.Close asChild>
              <button type="button" className="rounded p-1 text-slate-500 hover:bg-slate-100" aria-label="Close">
                <X className="size-4" aria-hidden />
              </button>
            </Dialog.Close>
          </div>
          {description ? <Dialog.Description className="mb-4 text-sm text-slate-600">{description}</Dialog.Description> : <Dialog.Description className="sr-only">{title}</Dialog.Description>}
          {children}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** "Are you sure?" for destructive actions. */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  onConfirm,
  loading,
  error,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  description: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  loading?: boolean;
  error?: ReactNode;
}) {
  return (
    <Modal open={open} onOpenChange={onOpenChange} title={title} description={description}>
      {error}
      <div className="mt-4 flex justify-end gap-2">
        <Button variant="secondary" onClick={() => onOpenChange(false)}>
          Cancel
        </Button>
        <Button variant="danger" onClick={onConfirm} loading={loading}>
          {confirmLabel}
        </Button>
      </div>
    </Modal>
  );
}

/**
 * The confirmation of removing one row (`target`, null when closed) with a mutation: closing
 * it forgets the target and the mutation's error.
 */
export function ConfirmRemoval<T>({
  target,
  setTarget,
  mutation,
  ...text
}: {
  target: T | null;
  setTarget: (t: T | null) => void;
  mutation: { mutate: (t: T) => void; reset: () => void; isPending: boolean; error: unknown };
  title: ReactNode;
  description: ReactNode;
  confirmLabel: string;
}) {
  return (
    <ConfirmDialog
      {...text}
      open={target !== null}
      onOpenChange={(o) => {
        if (!o) {
          setTarget(null);
          mutation.reset();
        }
      }}
      onConfirm={() => target !== null && mutation.mutate(target)}
      loading={mutation.isPending}
      error={<ErrorAlert error={mutation.error} />}
    />
  );
}
