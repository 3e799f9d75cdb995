import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Page } from '@/types/api';

import { ediKeys, type Invoice, type InvoiceListParams } from './types';

export const INVOICES_PAGE_SIZE = 20;

/** GET /api/edi/invoices/: the invoices of the visible imports, searched and filtered. */
export function getInvoices(params: InvoiceListParams, { signal }: { signal?: AbortSignal } = {}) {
  const { page = 1, ...filters } = params;
  return api.get<Page<Invoice>>('/api/edi/invoices/', {
    params: {
      ...filters,
      search: filters.search || undefined,
      currency: filters.currency || undefined,
      page: page > 1 ? page : undefined,
      page_size: INVOICES_PAGE_SIZE,
    },
    signal,
  });
}

export function getInvoicesQueryOptions(params: InvoiceListParams) {
  return queryOptions({
    queryKey: ediKeys.invoiceList(params),
    queryFn: ({ signal }) => getInvoices(params, { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useInvoices(params: InvoiceListParams) {
  return useQuery(getInvoicesQueryOptions(params));
}
