import { useState } from 'react';

import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { toast } from '@/lib/toast';
import type { Execution } from '@/types/api';

import { describeCancelError, useCancelExecution } from '../api/cancel-execution';

/** Cancel with a confirmation; disabled when the execution cannot be cancelled (any more). */
export function CancelButton({ execution, small = false }: { execution: Execution; small?: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const cancel = useCancelExecution();
  const label = execution.title || execution.name;

  const confirm = () => {
    cancel.mutate(execution.id, {
      onSuccess: (result) => {
        setConfirming(false);
        toast({
          tone: 'info',
          title: result.status === 'REVOKED' ? `Cancelled: ${label}` : `Cancelling: ${label}`,
        });
      },
      onError: (error) => {
        setConfirming(false);
        toast({ tone: 'error', title: `Could not cancel ${label}`, message: describeCancelError(error) });
      },
    });
  };

  const disabled = !execution.can_cancel || cancel.isPending;
  return (
    <>
      <button
        type="button"
        className={`button button-danger-outline${small ? ' button-small' : ''}`}
        disabled={disabled}
        aria-label={`Cancel ${label}`}
        title={execution.can_cancel ? undefined : cancelUnavailableReason(execution)}
        onClick={() => setConfirming(true)}
      >
        {execution.cancel_requested && execution.is_active ? 'Cancelling…' : 'Cancel'}
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

function cancelUnavailableReason(execution: Execution): string {
  if (execution.cancel_requested && execution.is_active) return 'A cancel was already asked.';
  return 'The task already finished.';
}
