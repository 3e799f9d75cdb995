// app/routes/: one module per route, each rendering a feature's page inside the signed-in shell
// below.

import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Outlet, useNavigate } from 'react-router';

import { ConnectionBadge } from '@/components/connection-badge';
import { Alert } from '@/components/ui/alert';
import { Layout, type NavItem } from '@/components/ui/layout';
import { Toaster } from '@/components/ui/toaster';
import { forgetUserData, meQueryKey, useLogout, useMe } from '@/features/auth';
import { NotificationsBell } from '@/features/notifications';
import { LiveProvider } from '@/lib/live/live-provider';

const NAV: NavItem[] = [
  { to: '/', label: 'Tasks', end: true },
  { to: '/templates', label: 'Templates' },
  { to: '/deploy', label: 'Deploy' },
  { to: '/edi', label: 'EDI' },
  { to: '/stats', label: 'Stats' },
  { to: '/failures', label: 'Failures' },
];
const STAFF_NAV: NavItem[] = [
  ...NAV,
  { to: '/task-metrics', label: 'Metrics' },
  { to: '/queues', label: 'Queues' },
  { to: '/workers', label: 'Workers' },
];

/** The signed-in shell: the tab's live connection, header (nav, badge, bell, user), the page. */
export function AppRoot() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useMe();
  const logout = useLogout({ onSuccess: () => void navigate('/login', { replace: true }) });
  // Leaving the signed-in pages (a logout, a session that ended elsewhere) forgets what they
  // read, once none of them is mounted to read it again.
  useEffect(() => () => forgetUserData(queryClient), [queryClient]);

  return (
    <LiveProvider onAccessChanged={() => void queryClient.invalidateQueries({ queryKey: meQueryKey })}>
      <Layout
        username={me.data?.username}
        onLogout={() => logout.mutate()}
        isLoggingOut={logout.isPending}
        nav={me.data?.is_staff ? STAFF_NAV : NAV}
        status={
          <>
            <ConnectionBadge />
            <NotificationsBell />
          </>
        }
      >
        {logout.isError && <Alert>Could not log out: {logout.error.message}</Alert>}
        <Outlet />
      </Layout>
      <Toaster />
    </LiveProvider>
  );
}
