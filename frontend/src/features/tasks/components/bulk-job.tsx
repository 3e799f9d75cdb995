import { useQueryClient } from '@tanstack/react-query';

import { TaskProgress } from '@/components/task-progress/task-progress';
import { refreshAllLists } from '@/lib/executions/list-refresh';

/**
 * A bulk job's progress, live like any execution (it is one): the executions acted on and
 * those it could not act on (its log says why).
 */
export function BulkJob({ jobId, onDismiss }: { jobId: number; onDismiss: () => void }) {
  const queryClient = useQueryClient();
  // Deleted executions send no event: the lists are read again once the job ends.
  const refresh = () => void refreshAllLists(queryClient);
  return (
    <section className="panel bulk-job" aria-label="Bulk action">
      <TaskProgress executionId={jobId} showLink onComplete={refresh} onError={refresh} />
      <button type="button" className="button button-small" onClick={onDismiss}>
        Hide
      </button>
    </section>
  );
}
