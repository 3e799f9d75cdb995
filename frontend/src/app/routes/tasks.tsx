import { useCurrentUser } from '@/features/auth';
import { TaskMonitor } from '@/features/tasks';

export function TasksRoute() {
  const user = useCurrentUser();
  return <TaskMonitor user={user} />;
}
