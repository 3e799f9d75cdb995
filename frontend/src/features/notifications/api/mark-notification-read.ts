import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Notification, Page } from '@/types/api';

import type { UnreadCount } from './get-unread-count';
import { notificationKeys } from './keys';

export function markNotificationRead(id: number): Promise<Notification> {
  return api.post<Notification>(`/api/tasks/notifications/${id}/read/`);
}

/** Marks one notification read in every cached list, and takes it off the unread count. */
export function setReadInCache(queryClient: QueryClient, id: number): void {
  let wasUnread = false;
  queryClient.setQueriesData<Page<Notification>>({ queryKey: notificationKeys.lists() }, (page) => {
    if (!page) return page;
    return {
      ...page,
      results: page.results.map((item) => {
        if (item.id !== id || item.read) return item;
        wasUnread = true;
        return { ...item, read: true };
      }),
    };
  });
  if (wasUnread) {
    queryClient.setQueryData<UnreadCount>(notificationKeys.unreadCount(), (current) =>
      current ? { count: Math.max(0, current.count - 1) } : current,
    );
  }
}

export function useMarkNotificationRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: markNotificationRead,
    onSuccess: (_notification, id) => setReadInCache(queryClient, id),
  });
}
