import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';

import { Alert } from '@/components/ui/alert';
import { Loading } from '@/components/ui/loading';

import { useMe } from '../api/get-me';
import { loginPathFor } from '../redirect';

type RequireAuthProps = {
  children: ReactNode;
};

/** Renders its children for a signed-in user; sends anyone else to the login page. */
export function RequireAuth({ children }: RequireAuthProps) {
  const location = useLocation();
  const me = useMe();

  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.isError) {
    return (
      <Alert
        action={
          <button type="button" className="button" onClick={() => void me.refetch()}>
            Retry
          </button>
        }
      >
        Could not check your session: {me.error.message}
      </Alert>
    );
  }
  if (!me.data) return <Navigate to={loginPathFor(location)} replace />;
  return children;
}
