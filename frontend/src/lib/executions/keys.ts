import type { ExecutionStatus } from '@/types/api';

/** Query-string filters of `GET /api/tasks/executions/` (API.md). */
export type ExecutionListParams = {
  page?: number;
  page_size?: number;
  status?: ExecutionStatus | '';
  module?: string;
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
  details: () => ['executions', 'detail'] as const,
  detail: (id: number) => ['executions', 'detail', id] as const,
};
