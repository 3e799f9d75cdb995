import { useState } from 'react';

import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { QueryParams } from '@/lib/api-client';
import { toast } from '@/lib/toast';
import type { Execution } from '@/types/api';

import { describeBulkError, useBulkExecutions, type BulkAction, type BulkTarget } from '../api/bulk-executions';
import type { Selection } from '../hooks/use-selection';

const VERBS: Record<BulkAction, { button: string; doing: string; explain: string }> = {
  cancel: {
    button: 'Cancel',
    doing: 'Cancelling',
    explain: 'Queued ones never start; running ones stop at their next checkpoint. Finished ones are left as they are.',
  },
  retry: {
    button: 'Retry',
    doing: 'Retrying',
    explain: 'Each failed or cancelled one is sent again with the same arguments, as a new task. Others are left as they are.',
  },
  delete: {
    button: 'Delete',
    doing: 'Deleting',
    explain: 'Finished ones are deleted with their logs and children; this cannot be undone. Running ones are left.',
  },
};

type BulkActionsProps = {
  selection: Selection;
  /** How many executions match the filters (for "select all N matching"). */
  matching: number;
  /** The list's filters, sent when acting on everything matching. */
  filter: QueryParams;
  isStaff: boolean;
  onLaunched: (job: Execution) => void;
};

/**
 * The bar over a list with rows selected: how many, "select all N matching", and the bulk
 * actions, each confirmed with the count it acts on.
 */
export function BulkActions({ selection, matching, filter, isStaff, onLaunched }: BulkActionsProps) {
  const [action, setAction] = useState<BulkAction | null>(null);
  const bulk = useBulkExecutions();
  const count = selection.allMatching ? matching : selection.ids.size;
  if (count === 0) return null;
  const noun = count === 1 ? 'execution' : 'executions';
  const actions: BulkAction[] = isStaff ? ['cancel', 'retry', 'delete'] : ['cancel', 'retry'];

  const confirm = () => {
    if (!action) return;
    const target: BulkTarget = selection.allMatching ? { filter } : { ids: [...selection.ids] };
    bulk.mutate(
      { action, ...target },
      {
        onSuccess: (job) => {
          setAction(null);
          selection.clear();
          toast({ tone: 'info', title: `${VERBS[action].doing} ${count} ${noun}…`, href: `/tasks/${job.id}`, key: `execution-${job.id}` });
          onLaunched(job);
        },
        onError: (error) => {
          setAction(null);
          toast({ tone: 'error', title: `Could not ${action} the ${noun}`, message: describeBulkError(error) });
        },
      },
    );
  };

  return (
    <div className="bulk-bar" role="region" aria-label="Bulk actions">
      <p className="bulk-count" aria-live="polite">
        {selection.allMatching ? `All ${matching} matching selected` : `${count} selected`}
      </p>
      {/* Offered from the first tick, not only once the page is ticked: on a phone the
          page's checkbox hides with the column headings. */}
      {!selection.allMatching && matching > selection.ids.size && (
        <button type="button" className="button button-small button-link" onClick={selection.selectAllMatching}>
          Select all {matching} matching
        </button>
      )}
      <div className="button-row">
        {actions.map((name) => (
          <button
            key={name}
            type="button"
            className={`button button-small${name === 'retry' ? '' : ' button-danger-outline'}`}
            onClick={() => setAction(name)}
          >
            {VERBS[name].button}
          </button>
        ))}
        <button type="button" className="button button-small" onClick={selection.clear}>
          Clear selection
        </button>
      </div>
      <ConfirmDialog
        open={action !== null}
        title={action ? `${VERBS[action].button} ${count} ${noun}?` : ''}
        confirmLabel={action ? `${VERBS[action].button} ${count} ${noun}` : ''}
        cancelLabel="Go back"
        tone={action === 'retry' ? 'primary' : 'danger'}
        busy={bulk.isPending}
        onConfirm={confirm}
        onCancel={() => setAction(null)}
      >
        {action && (
          <>
            <p>{VERBS[action].explain}</p>
            {selection.allMatching && <p>It acts on every execution matching the filters when it runs.</p>}
            <p>It runs as a task of its own: its progress shows here and on its page.</p>
          </>
        )}
      </ConfirmDialog>
    </div>
  );
}
