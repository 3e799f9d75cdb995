import { Link } from 'react-router';

import { useCurrentUser } from '@/features/auth';
import { WorkersPage } from '@/features/workers';

/** Staff only: others get a plain refusal (the API would answer them 403 anyway). */
export function WorkersRoute() {
  const user = useCurrentUser();
  if (!user.is_staff) {
    return (
      <div className="centered-block" role="alert">
        <h1 className="page-title">Workers are for administrators</h1>
        <p>Your account cannot see the Celery workers.</p>
        <Link to="/">Back to your tasks</Link>
      </div>
    );
  }
  return <WorkersPage />;
}
