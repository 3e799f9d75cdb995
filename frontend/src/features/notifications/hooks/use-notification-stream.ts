// features/notifications/hooks/: notifications arriving live.

import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useRef } from 'react';

import { useLiveEvent } from '@/lib/live/live-context';
import { toast, type ToastTone } from '@/lib/toast';
import type { Notification, Page } from '@/types/api';

import type { UnreadCount } from '../api/get-unread-count';
import { notificationKeys } from '../api/keys';

const TONES: Record<string, ToastTone> = {
  info: 'info',
  success: 'success',
  warning: 'warning',
  error: 'error',
};

/**
 * Live notifications: each new one joins the cached lists, bumps the unread count and shows
 * a toast. After a reconnect (nothing is replayed for notifications) they are read again.
 */
export function useNotificationStream(): void {
  const queryClient = useQueryClient();
  const seen = useRef(new Set<number>());

  useLiveEvent('notification', (notification) => {
    if (seen.current.has(notification.id)) return;
    seen.current.add(notification.id);
    if (!addToCache(queryClient, notification)) return;
    toast({
      tone: TONES[notification.level] ?? 'info',
      title: notification.title,
      message: notification.message || undefined,
      href: notification.execution_id ? `/tasks/${notification.execution_id}` : undefined,
    });
  });

  useLiveEvent('reconnected', () => {
    void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
  });
}

/** Returns false when a cached list already had it (it is not new). */
function addToCache(queryClient: QueryClient, notification: Notification): boolean {
  let known = false;
  queryClient.setQueriesData<Page<Notification>>({ queryKey: notificationKeys.lists() }, (page) => {
    if (!page) return page;
    if (page.results.some((item) => item.id === notification.id)) {
      known = true;
      return page;
    }
    return { ...page, count: page.count + 1, results: [notification, ...page.results] };
  });
  if (known) return false;
  if (!notification.read) {
    queryClient.setQueryData<UnreadCount>(notificationKeys.unreadCount(), (current) =>
      current ? { count: current.count + 1 } : current,
    );
  }
  return true;
}
