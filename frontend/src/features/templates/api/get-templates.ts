// features/templates/api/: the templates endpoint (launching one is shared, in lib/executions).

import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Page } from '@/types/api';

import type { JsonSchema } from '../schema-form';

export type TaskTemplate = {
  id: number;
  name: string;
  module: string;
  task_name: string;
  description: string;
  default_params: Record<string, unknown>;
  params_schema: JsonSchema;
  enabled: boolean;
};

export function getTemplates({ signal }: { signal?: AbortSignal } = {}) {
  return api.get<Page<TaskTemplate>>('/api/tasks/templates/', { params: { page_size: 100 }, signal });
}

export function getTemplatesQueryOptions() {
  return queryOptions({
    queryKey: ['templates', 'list'],
    queryFn: ({ signal }) => getTemplates({ signal }),
  });
}

export function useTemplates() {
  return useQuery(getTemplatesQueryOptions());
}
