import { useNavigate } from 'react-router';

import { toast } from '@/lib/toast';
import type { Execution } from '@/types/api';

import { describeRetryError, useRetryExecution } from '../api/retry-execution';

/**
 * Sends a failed or cancelled execution's task again with the same arguments (a template
 * launch with its params), then opens the new execution.
 */
export function RetryButton({ execution, small = false }: { execution: Execution; small?: boolean }) {
  const navigate = useNavigate();
  const retry = useRetryExecution();
  // The server knows: a finished failure or cancel whose module can run it again.
  if (!execution.can_retry) return null;
  const label = execution.title || execution.name;

  const onClick = () =>
    retry.mutate(execution.id, {
      onSuccess: (created) => {
        toast({
          tone: 'info',
          title: `Retrying ${label}`,
          message: `As task #${created.id}, with the same arguments.`,
          href: `/tasks/${created.id}`,
          key: `execution-${created.id}`,
        });
        void navigate(`/tasks/${created.id}`);
      },
      onError: (error) => toast({ tone: 'error', title: `Could not retry ${label}`, message: describeRetryError(error) }),
    });

  return (
    <button
      type="button"
      className={`button${small ? ' button-small' : ''}`}
      disabled={retry.isPending}
      aria-label={`Retry ${label}`}
      onClick={onClick}
    >
      {retry.isPending ? 'Retrying…' : 'Retry'}
    </button>
  );
}
