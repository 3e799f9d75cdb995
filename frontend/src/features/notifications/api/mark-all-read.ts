import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api } from '@/lib/api-client';
import type { Notification, Page } from '@/types/api';

import type { UnreadCount } from './get-unread-count';
import { notificationKeys } from './keys';

export function markAllNotificationsRead(): Promise<{ updated: number }> {
  return api.post<{ updated: number }>('/api/tasks/notifications/read-all/');
}

export function useMarkAllNotificationsRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: markAllNotificationsRead,
    onSuccess: () => {
      queryClient.setQueriesData<Page<Notification>>({ queryKey: notificationKeys.lists() }, (page) =>
        page ? { ...page, results: page.results.map((item) => ({ ...item, read: true })) } : page,
      );
      queryClient.setQueryData<UnreadCount>(notificationKeys.unreadCount(), { count: 0 });
    },
  });
}
