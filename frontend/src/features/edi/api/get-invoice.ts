import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import { ediKeys, type InvoiceDetail } from './types';

/** GET /api/edi/invoices/{id}/: one invoice with its lines. */
export function getInvoice(id: number, { signal }: { signal?: AbortSignal } = {}) {
  return api.get<InvoiceDetail>(`/api/edi/invoices/${id}/`, { signal });
}

export function getInvoiceQueryOptions(id: number) {
  return queryOptions({
    queryKey: ediKeys.invoiceDetail(id),
    queryFn: ({ signal }) => getInvoice(id, { signal }),
    staleTime: Infinity, // a stored invoice does not change
  });
}

export function useInvoice(id: number) {
  return useQuery(getInvoiceQueryOptions(id));
}
