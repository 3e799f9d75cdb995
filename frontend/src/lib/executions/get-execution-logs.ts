import { api } from '@/lib/api-client';
import type { LogLine } from '@/types/api';

export type LogPage = { lines: LogLine[]; last_seq: number; has_more?: boolean };

/** Log lines after `afterSeq`, oldest first (the REST side of the live log; polling uses it). */
export function getExecutionLogs(
  id: number,
  afterSeq: number,
  { signal }: { signal?: AbortSignal } = {},
): Promise<LogPage> {
  return api.get<LogPage>(`/api/tasks/executions/${id}/logs/`, {
    params: { after_seq: afterSeq },
    signal,
  });
}
