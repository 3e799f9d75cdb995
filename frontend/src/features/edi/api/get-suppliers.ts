import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Page } from '@/types/api';

import { ediKeys, type Supplier } from './types';

/** The most the API gives in one page; the filter lists the suppliers of the first one. */
const SUPPLIERS_PAGE_SIZE = 200;

/** GET /api/edi/suppliers/: the suppliers of the invoices the caller sees (for filters). */
export function getSuppliers({ signal }: { signal?: AbortSignal } = {}) {
  return api.get<Page<Supplier>>('/api/edi/suppliers/', {
    params: { page_size: SUPPLIERS_PAGE_SIZE },
    signal,
  });
}

export function getSuppliersQueryOptions() {
  return queryOptions({
    queryKey: ediKeys.suppliers(),
    queryFn: ({ signal }) => getSuppliers({ signal }),
  });
}

export function useSuppliers() {
  return useQuery(getSuppliersQueryOptions());
}
