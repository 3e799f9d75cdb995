// features/notifications/hooks/: notifications arriving live.

import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useRef } from 'react';

import { useLiveEvent } from '@/lib/live/live-context';
import { hasToast, toast, type ToastTone } from '@/lib/toast';
import type { Notification, Page } from '@/types/api';

import type { UnreadCount } from '../api/get-unread-count';
import { notificationKeys } from '../api/keys';
import { burstToast, type BurstEntry } from '../burst';

const TONES: Record<string, ToastTone> = {
  info: 'info',
  success: 'success',
  warning: 'warning',
  error: 'error',
};

type Burst = { key: string; entries: BurstEntry[] };

/**
 * Live notifications: each new one joins the cached lists and bumps the unread count. Its
 * toast replaces a toast about the same execution ("Cancelling..." becomes "... was
 * cancelled"); others arriving while the last one is still on screen join it in one toast
 * ("10 deployments finished, 2 failed"). After a reconnect (nothing is replayed for
 * notifications) they are read again.
 */
export function useNotificationStream(): void {
  const queryClient = useQueryClient();
  const seen = useRef(new Set<number>());
  const burst = useRef<Burst | null>(null);

  useLiveEvent('notification', (notification) => {
    if (seen.current.has(notification.id)) return;
    seen.current.add(notification.id);
    if (!addToCache(queryClient, notification)) return;
    const executionKey = notification.execution_id ? `execution-${notification.execution_id}` : undefined;
    const entry = { level: notification.level, module: notification.module };
    if (executionKey && hasToast(executionKey)) {
      toast({ ...single(notification), key: executionKey });
    } else if (burst.current && hasToast(burst.current.key)) {
      burst.current.entries.push(entry);
      toast({ ...burstToast(burst.current.entries), key: burst.current.key });
    } else {
      // Alone, it is also the toast about its execution: an action's toast replaces it.
      burst.current = { key: `notifications-${notification.id}`, entries: [entry] };
      toast({ ...single(notification), key: executionKey ? [burst.current.key, executionKey] : burst.current.key });
    }
  });

  useLiveEvent('reconnected', () => {
    void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
  });
}

function single(notification: Notification) {
  return {
    tone: TONES[notification.level] ?? 'info',
    title: notification.title,
    message: notification.message || undefined,
    href: notification.execution_id ? `/tasks/${notification.execution_id}` : undefined,
  };
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
