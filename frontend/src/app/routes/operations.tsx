import type { ReactNode } from 'react';
import { Link } from 'react-router';

import { useCurrentUser } from '@/features/auth';
import { FailuresPage, QueuesPage } from '@/features/operations';

/** Staff only: others get a plain refusal (the API would answer them 403 anyway). */
export function StaffOnly({ what, children }: { what: string; children: ReactNode }) {
  const user = useCurrentUser();
  if (!user.is_staff) {
    return (
      <div className="centered-block" role="alert">
        <h1 className="page-title">{what} are for administrators</h1>
        <p>Your account cannot see them.</p>
        <Link to="/">Back to your tasks</Link>
      </div>
    );
  }
  return <>{children}</>;
}

export function QueuesRoute() {
  return (
    <StaffOnly what="Queues">
      <QueuesPage />
    </StaffOnly>
  );
}

export function FailuresRoute() {
  return <FailuresPage />;
}
