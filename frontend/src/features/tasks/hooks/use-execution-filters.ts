// features/tasks/hooks/: the monitor's filters, ordering and page, kept in the URL.

import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

import type { ExecutionListParams } from '@/lib/executions/keys';
import {
  ACTIVE_STATUSES,
  EXECUTION_KINDS,
  EXECUTION_STATUSES,
  type ExecutionKind,
  type ExecutionStatus,
} from '@/types/api';

export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 25;

/** Running work, then queued, then finished, newest first in each (the server's ordering). */
export const RUNNING_FIRST = 'running_first';

/** The columns the list sorts by (`ordering`, descending with "-"). */
export const SORT_KEYS = ['title', 'user', 'status', 'progress', 'duration', 'created_at'] as const;

/** A status tab: one status, every queued or running one, or all. */
export type StatusTab = ExecutionStatus | 'active' | '';

export type MonitorFilters = {
  status: StatusTab;
  module: string;
  name: string;
  kind: ExecutionKind | '';
  search: string;
  ordering: string;
  page: number;
  pageSize: number;
  allUsers: boolean;
};

const ORDERINGS = new Set<string>([RUNNING_FIRST, ...SORT_KEYS.flatMap((key) => [key, `-${key}`])]);

function readFilters(params: URLSearchParams): MonitorFilters {
  const status = params.get('status') ?? '';
  const page = Number(params.get('page') ?? '1');
  const pageSize = Number(params.get('page_size') ?? DEFAULT_PAGE_SIZE);
  const ordering = params.get('ordering') ?? RUNNING_FIRST;
  return {
    status: status === 'active' || (EXECUTION_STATUSES as readonly string[]).includes(status) ? (status as StatusTab) : '',
    module: params.get('module') ?? '',
    name: params.get('name') ?? '',
    kind: (EXECUTION_KINDS as readonly string[]).includes(params.get('kind') ?? '') ? (params.get('kind') as ExecutionKind) : '',
    search: params.get('search') ?? '',
    ordering: ORDERINGS.has(ordering) ? ordering : RUNNING_FIRST,
    page: Number.isInteger(page) && page > 0 ? page : 1,
    pageSize: (PAGE_SIZES as readonly number[]).includes(pageSize) ? pageSize : DEFAULT_PAGE_SIZE,
    allUsers: params.get('scope') === 'all',
  };
}

function writeFilters(filters: MonitorFilters): URLSearchParams {
  const next = new URLSearchParams();
  const entries: [string, string][] = [
    ['status', filters.status],
    ['module', filters.module],
    ['name', filters.name],
    ['kind', filters.kind],
    ['search', filters.search],
    ['ordering', filters.ordering === RUNNING_FIRST ? '' : filters.ordering],
    ['page_size', filters.pageSize === DEFAULT_PAGE_SIZE ? '' : String(filters.pageSize)],
    ['page', filters.page > 1 ? String(filters.page) : ''],
    ['scope', filters.allUsers ? 'all' : ''],
  ];
  for (const [key, value] of entries) if (value) next.set(key, value);
  return next;
}

/**
 * The TaskMonitor's state lives in the URL: filters, ordering, page and page size. A link
 * or bookmark reopens the same view, and each change is a history entry, so the back button
 * steps back through them.
 */
export function useExecutionFilters() {
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = useMemo(() => readFilters(searchParams), [searchParams]);

  const setFilters = useCallback(
    (change: Partial<MonitorFilters>) => {
      setSearchParams((current) => {
        const merged = { ...readFilters(current), ...change };
        // Any other change starts from the first page again.
        if (change.page === undefined) merged.page = 1;
        return writeFilters(merged);
      });
    },
    [setSearchParams],
  );

  return { filters, setFilters };
}

/** Whether any filter narrows the list (the empty state says so). */
export function isFiltered(filters: MonitorFilters): boolean {
  return Boolean(filters.status || filters.module || filters.name || filters.kind || filters.search);
}

/**
 * The API query for the filters. Only top-level executions are listed (their children fold
 * under them), except while searching: a file's task is found by its name. Staff see their
 * own tasks unless "All users" is on.
 */
export function listParamsFor(filters: MonitorFilters, user: { id: number; is_staff: boolean }): ExecutionListParams {
  const search = filters.search.trim();
  return {
    page: filters.page,
    page_size: filters.pageSize,
    ...statusParams(filters.status),
    module: filters.module,
    name: filters.name,
    kind: filters.kind,
    search,
    ...(search ? {} : { top_level: true }),
    ordering: filters.ordering,
    ...(user.is_staff && !filters.allUsers ? { user: user.id } : {}),
  };
}

/** "Active" is the queued and running statuses: a status filter, which its facet ignores. */
function statusParams(tab: StatusTab): Pick<ExecutionListParams, 'status'> {
  if (tab === 'active') return { status: [...ACTIVE_STATUSES].join(',') };
  return tab ? { status: tab } : {};
}
