import { Outlet, useNavigate } from 'react-router';

import { Alert } from '@/components/ui/alert';
import { Layout } from '@/components/ui/layout';
import { useMe } from '@/features/auth/api/get-me';
import { useLogout } from '@/features/auth/api/logout';

/** The signed-in shell: header with the user and logout, the page below. */
export function AppRoot() {
  const navigate = useNavigate();
  const me = useMe();
  const logout = useLogout({ onSuccess: () => void navigate('/login', { replace: true }) });

  return (
    <Layout
      username={me.data?.username}
      onLogout={() => logout.mutate()}
      isLoggingOut={logout.isPending}
    >
      {logout.isError && <Alert>Could not log out: {logout.error.message}</Alert>}
      <Outlet />
    </Layout>
  );
}
