import type { Execution } from '@/types/api';

/** What runs an execution: "Celery", or "django.tasks" with its backend's alias. */
function kindLabel(execution: Pick<Execution, 'kind' | 'backend'>): string {
  if (execution.kind !== 'django') return 'Celery';
  return execution.backend ? `django.tasks · ${execution.backend}` : 'django.tasks';
}

/** A small badge naming what runs the execution (one console shows both kinds). */
export function KindBadge({ execution }: { execution: Pick<Execution, 'kind' | 'backend'> }) {
  const django = execution.kind === 'django';
  return (
    <span className={`badge badge-kind${django ? ' badge-kind-django' : ''}`} title={kindLabel(execution)}>
      {django ? 'django.tasks' : 'Celery'}
    </span>
  );
}
