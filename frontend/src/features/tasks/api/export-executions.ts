import { type ExecutionListParams } from '@/lib/executions/keys';

import { executionQueryParams } from './get-executions';

/** The CSV export of the executions matching the filters (a download link, not a fetch). */
export function executionsExportUrl(params: ExecutionListParams, format: 'csv' | 'json' = 'csv') {
  const search = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(executionQueryParams(params))) {
    if (key === 'page' || key === 'page_size') continue;
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  return `/api/tasks/executions/export/?${search.toString()}`;
}
