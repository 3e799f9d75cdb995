// features/notifications/api/: the notification endpoints, one module per call, and (here) their
// cache keys.

export const notificationKeys = {
  all: ['notifications'] as const,
  lists: () => ['notifications', 'list'] as const,
  list: (params: { unread?: boolean }) => ['notifications', 'list', params] as const,
  unreadCount: () => ['notifications', 'unread-count'] as const,
};
