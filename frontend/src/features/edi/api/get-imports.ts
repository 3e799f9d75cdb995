import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Page } from '@/types/api';

import { ediKeys, type Import } from './types';

export const IMPORTS_PAGE_SIZE = 10;

/** GET /api/edi/imports/: the caller's imports (staff: everybody's), newest first. */
export function getImports(page: number, { signal }: { signal?: AbortSignal } = {}) {
  return api.get<Page<Import>>('/api/edi/imports/', {
    params: { page: page > 1 ? page : undefined, page_size: IMPORTS_PAGE_SIZE },
    signal,
  });
}

export function getImportsQueryOptions(page: number) {
  return queryOptions({
    queryKey: ediKeys.importList(page),
    queryFn: ({ signal }) => getImports(page, { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useImports(page: number) {
  return useQuery(getImportsQueryOptions(page));
}
