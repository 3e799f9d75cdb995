import { useEffect, useState } from 'react';

import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { statusLabel } from '@/lib/executions/status';
import { toast } from '@/lib/toast';
import type { Execution } from '@/types/api';

import { describeCancelError, useCancelExecution } from '../api/cancel-execution';

/**
 * Cancel with a confirmation, on a running or queued execution only (a finished one has no
 * button). Its "Cancelling..." toast is replaced by the outcome once the execution ends.
 */
export function CancelButton({ execution, small = false }: { execution: Execution; small?: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const [asked, setAsked] = useState(false);
  const cancel = useCancelExecution();
  const label = execution.title || execution.name;
  const toastKey = `execution-${execution.id}`;

  useEffect(() => {
    if (!asked || execution.is_active) return;
    const outcome =
      execution.status === 'REVOKED' ? `${label} was cancelled` : `${label} ${statusLabel(execution.status).toLowerCase()} before the cancel`;
    toast({ tone: execution.status === 'FAILURE' ? 'error' : 'info', title: outcome, href: `/tasks/${execution.id}`, key: toastKey });
  }, [asked, execution.is_active, execution.status, execution.id, label, toastKey]);

  if (!execution.is_active) return null;

  const confirm = () => {
    cancel.mutate(execution.id, {
      onSuccess: (result) => {
        setConfirming(false);
        setAsked(true);
        toast({
          tone: 'info',
          title: result.status === 'REVOKED' ? `${label} was cancelled` : `Cancelling ${label}…`,
          key: toastKey,
        });
      },
      onError: (error) => {
        setConfirming(false);
        toast({ tone: 'error', title: `Could not cancel ${label}`, message: describeCancelError(error), key: toastKey });
      },
    });
  };

  const requested = Boolean(execution.cancel_requested);
  return (
    <>
      <button
        type="button"
        className={`button button-danger-outline${small ? ' button-small' : ''}`}
        disabled={!execution.can_cancel || cancel.isPending}
        aria-label={`Cancel ${label}`}
        title={requested ? 'A cancel was already asked.' : undefined}
        onClick={() => setConfirming(true)}
      >
        {requested ? 'Cancelling…' : 'Cancel'}
      </button>
      <ConfirmDialog
        open={confirming}
        title={`Cancel “${label}”?`}
        confirmLabel="Cancel task"
        cancelLabel="Keep running"
        busy={cancel.isPending}
        onConfirm={confirm}
        onCancel={() => setConfirming(false)}
      >
        <p>
          The task stops at its next checkpoint. Work it already did (steps completed, items
          processed) is not undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
