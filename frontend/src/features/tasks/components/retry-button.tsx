import { useNavigate } from 'react-router';

import { ApiError } from '@/lib/api-client';
import { useLaunchTemplate } from '@/lib/executions/launch-template';
import { toast } from '@/lib/toast';
import type { Execution } from '@/types/api';

/** A failed execution can be launched again when it came from a template and we know its params. */
function canRetry(execution: Execution): boolean {
  return (
    execution.status === 'FAILURE' &&
    execution.template_id !== null &&
    typeof execution.params === 'object' &&
    execution.params !== null
  );
}

/** Relaunches the execution's template with the same params, then opens the new execution. */
export function RetryButton({ execution, small = false }: { execution: Execution; small?: boolean }) {
  const navigate = useNavigate();
  const launch = useLaunchTemplate({
    onSuccess: (created) => {
      toast({ tone: 'info', title: `Relaunched: ${created.title || created.name}`, href: `/tasks/${created.id}` });
      void navigate(`/tasks/${created.id}`);
    },
  });
  if (!canRetry(execution) || execution.template_id === null) return null;
  const templateId = execution.template_id;
  const label = execution.title || execution.name;

  return (
    <button
      type="button"
      className={`button${small ? ' button-small' : ''}`}
      disabled={launch.isPending}
      aria-label={`Retry ${label}`}
      onClick={() =>
        launch.mutate(
          { templateId, params: execution.params ?? {} },
          {
            onError: (error) =>
              toast({
                tone: 'error',
                title: `Could not retry ${label}`,
                message: error instanceof ApiError ? (error.detail ?? error.message) : error.message,
              }),
          },
        )
      }
    >
      {launch.isPending ? 'Retrying…' : 'Retry'}
    </button>
  );
}
