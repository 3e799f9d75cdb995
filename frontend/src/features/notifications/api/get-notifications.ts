import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Notification, Page } from '@/types/api';

import { notificationKeys } from './keys';

const PAGE_SIZE = 20;

export function getNotifications(
  { unread = false }: { unread?: boolean } = {},
  { signal }: { signal?: AbortSignal } = {},
): Promise<Page<Notification>> {
  return api.get<Page<Notification>>('/api/tasks/notifications/', {
    params: { unread: unread ? 'true' : undefined, page_size: PAGE_SIZE },
    signal,
  });
}

export function getNotificationsQueryOptions(params: { unread?: boolean } = {}) {
  return queryOptions({
    queryKey: notificationKeys.list(params),
    queryFn: ({ signal }) => getNotifications(params, { signal }),
  });
}

export function useNotifications({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ ...getNotificationsQueryOptions(), enabled });
}
