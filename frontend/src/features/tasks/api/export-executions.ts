import { type ExecutionListParams } from '@/lib/executions/keys';

import { executionFilterParams } from './get-executions';

export type ExportFormat = 'csv' | 'json';

/** The export of the executions matching the filters (a download link, not a fetch). */
export function executionsExportUrl(params: ExecutionListParams, format: ExportFormat = 'csv') {
  const search = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(executionFilterParams(params))) search.set(key, String(value));
  return `/api/tasks/executions/export/?${search.toString()}`;
}
