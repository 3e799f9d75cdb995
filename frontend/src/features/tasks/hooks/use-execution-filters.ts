// features/tasks/hooks/: the monitor's filters, kept in the URL.

import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

import type { ExecutionListParams } from '@/lib/executions/keys';
import { EXECUTION_STATUSES, type ExecutionStatus } from '@/types/api';

export const PAGE_SIZE = 20;

export type MonitorFilters = {
  status: ExecutionStatus | '';
  module: string;
  search: string;
  page: number;
  allUsers: boolean;
};

/** The TaskMonitor's filters live in the URL: shareable, and the back button restores them. */
export function useExecutionFilters() {
  const [searchParams, setSearchParams] = useSearchParams();

  const filters = useMemo<MonitorFilters>(() => {
    const status = searchParams.get('status') ?? '';
    const page = Number(searchParams.get('page') ?? '1');
    return {
      status: (EXECUTION_STATUSES as readonly string[]).includes(status)
        ? (status as ExecutionStatus)
        : '',
      module: searchParams.get('module') ?? '',
      search: searchParams.get('search') ?? '',
      page: Number.isInteger(page) && page > 0 ? page : 1,
      allUsers: searchParams.get('scope') === 'all',
    };
  }, [searchParams]);

  const setFilters = useCallback(
    (change: Partial<MonitorFilters>) => {
      setSearchParams(
        (current) => {
          const next = new URLSearchParams(current);
          const merged = { ...readFilters(current), ...change };
          // Any filter change starts from the first page again.
          if (change.page === undefined) merged.page = 1;
          writeParam(next, 'status', merged.status);
          writeParam(next, 'module', merged.module);
          writeParam(next, 'search', merged.search);
          writeParam(next, 'page', merged.page > 1 ? String(merged.page) : '');
          writeParam(next, 'scope', merged.allUsers ? 'all' : '');
          return next;
        },
        { replace: change.page === undefined },
      );
    },
    [setSearchParams],
  );

  return { filters, setFilters };
}

function readFilters(params: URLSearchParams): MonitorFilters {
  return {
    status: (params.get('status') ?? '') as ExecutionStatus | '',
    module: params.get('module') ?? '',
    search: params.get('search') ?? '',
    page: Number(params.get('page') ?? '1') || 1,
    allUsers: params.get('scope') === 'all',
  };
}

function writeParam(params: URLSearchParams, key: string, value: string) {
  if (value) params.set(key, value);
  else params.delete(key);
}

/** The API query for the filters; staff see only their own tasks unless "All users" is on. */
export function listParamsFor(
  filters: MonitorFilters,
  user: { id: number; is_staff: boolean },
): ExecutionListParams {
  return {
    page: filters.page,
    page_size: PAGE_SIZE,
    status: filters.status,
    module: filters.module.trim(),
    search: filters.search.trim(),
    ordering: '-created_at',
    ...(user.is_staff && !filters.allUsers ? { user: user.id } : {}),
  };
}
