import { queryOptions, useQuery } from '@tanstack/react-query';

import { api } from '@/lib/api-client';

import { notificationKeys } from './keys';

export type UnreadCount = { count: number };

export function getUnreadCount({ signal }: { signal?: AbortSignal } = {}): Promise<UnreadCount> {
  return api.get<UnreadCount>('/api/tasks/notifications/unread-count/', { signal });
}

export function getUnreadCountQueryOptions() {
  return queryOptions({
    queryKey: notificationKeys.unreadCount(),
    queryFn: ({ signal }) => getUnreadCount({ signal }),
  });
}

/** Live updates keep the count; `pollMs` re-reads it while the socket is down. */
export function useUnreadCount({ pollMs }: { pollMs?: number | false } = {}) {
  return useQuery({ ...getUnreadCountQueryOptions(), refetchInterval: pollMs ?? false });
}
