// features/notifications/components/: the header bell and its dropdown.

import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';

import { Alert } from '@/components/ui/alert';
import { QueryPanel } from '@/components/ui/query-panel';
import { formatRelative } from '@/lib/format';
import { useConnectionState } from '@/lib/live/live-context';
import type { Notification } from '@/types/api';

import { useNotifications } from '../api/get-notifications';
import { useUnreadCount } from '../api/get-unread-count';
import { useMarkAllNotificationsRead } from '../api/mark-all-read';
import { useMarkNotificationRead } from '../api/mark-notification-read';
import { useNotificationStream } from '../hooks/use-notification-stream';

/** While the socket is down, the unread count is re-read this often. */
const OFFLINE_COUNT_POLL_MS = 15_000;

/** The header bell: unread count, a dropdown of the latest notifications, a toast per new one. */
export function NotificationsBell() {
  useNotificationStream();
  const connection = useConnectionState();
  const unread = useUnreadCount({ pollMs: connection === 'polling' ? OFFLINE_COUNT_POLL_MS : false });
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const containerRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const count = unread.data?.count ?? 0;

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: MouseEvent) => {
      if (!containerRef.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    document.addEventListener('mousedown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('mousedown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [open]);

  return (
    <div ref={containerRef} className="bell">
      <button
        ref={buttonRef}
        type="button"
        className="button bell-button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-label={`Notifications, ${count} unread`}
        onClick={() => setOpen((value) => !value)}
      >
        <BellIcon />
        {count > 0 && (
          <span className="bell-count" aria-hidden="true">
            {count > 99 ? '99+' : count}
          </span>
        )}
      </button>
      {open && <NotificationsPanel id={panelId} unreadCount={count} onNavigate={() => setOpen(false)} />}
    </div>
  );
}

type NotificationsPanelProps = { id: string; unreadCount: number; onNavigate: () => void };

function NotificationsPanel({ id, unreadCount, onNavigate }: NotificationsPanelProps) {
  const notifications = useNotifications();
  const markAll = useMarkAllNotificationsRead();
  const headingId = useId();
  return (
    <div id={id} className="bell-panel" role="dialog" aria-labelledby={headingId}>
      <div className="bell-panel-header">
        <h2 id={headingId}>Notifications</h2>
        <button
          type="button"
          className="button button-small"
          disabled={unreadCount === 0 || markAll.isPending}
          onClick={() => markAll.mutate()}
        >
          Mark all read
        </button>
      </div>
      {markAll.isError && <Alert>Could not mark them read: {markAll.error.message}</Alert>}
      <QueryPanel
        query={notifications}
        loading="Loading notifications…"
        error="Could not load notifications"
        isEmpty={(data) => data.results.length === 0}
        empty="No notifications yet."
      >
        {(data) => (
          <ul className="notification-list">
            {data.results.map((notification) => (
              <NotificationItem key={notification.id} notification={notification} onNavigate={onNavigate} />
            ))}
          </ul>
        )}
      </QueryPanel>
    </div>
  );
}

function NotificationItem({ notification, onNavigate }: { notification: Notification; onNavigate: () => void }) {
  const markRead = useMarkNotificationRead();
  return (
    <li className={`notification notification-${notification.level}${notification.read ? '' : ' unread'}`}>
      <span className="notification-dot" aria-hidden="true" />
      <div className="notification-body">
        <p className="notification-title">
          {!notification.read && <span className="visually-hidden">Unread: </span>}
          {notification.title}
        </p>
        {notification.message && <p className="notification-message">{notification.message}</p>}
        <p className="muted small">
          <time dateTime={notification.created_at}>{formatRelative(notification.created_at)}</time>
          {notification.execution_id && (
            <>
              {' · '}
              <Link to={`/tasks/${notification.execution_id}`} onClick={onNavigate}>
                Open task
              </Link>
            </>
          )}
        </p>
      </div>
      {!notification.read && (
        <button
          type="button"
          className="button button-small"
          disabled={markRead.isPending}
          aria-label={`Mark read: ${notification.title}`}
          onClick={() => markRead.mutate(notification.id)}
        >
          Mark read
        </button>
      )}
    </li>
  );
}

function BellIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
      />
    </svg>
  );
}
