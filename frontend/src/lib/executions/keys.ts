/** Query-string filters of `GET /api/tasks/executions/` (API.md). */
export type ExecutionListParams = {
  page?: number;
  page_size?: number;
  /** One status, or a comma list of them ("PENDING,STARTED,PROGRESS,RETRY"). */
  status?: string;
  module?: string;
  /** The exact task name ("deploy.deploy_vm"). */
  name?: string;
  /** `celery` or `django` (Django's tasks framework). */
  kind?: string;
  /** true: executions without a parent only (the task list's default). */
  top_level?: boolean;
  /** The children of this execution (GET executions/{parent}/children/), with the filters. */
  parent?: number;
  search?: string;
  /** Staff only: a user id or username. */
  user?: number | string;
  active?: boolean;
  ordering?: string;
};

/**
 * Every cache key of an execution, in one place: the live client writes to the same keys
 * that the list and detail queries read.
 */
export const executionKeys = {
  all: ['executions'] as const,
  lists: () => ['executions', 'list'] as const,
  list: (params: ExecutionListParams) => ['executions', 'list', params] as const,
  /** Facet counts for the list's filters (GET executions/counts/). */
  counts: (params?: ExecutionListParams) =>
    params ? (['executions', 'counts', params] as const) : (['executions', 'counts'] as const),
  details: () => ['executions', 'detail'] as const,
  detail: (id: number) => ['executions', 'detail', id] as const,
};
