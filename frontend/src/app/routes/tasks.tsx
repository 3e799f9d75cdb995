import { useCurrentUser } from '@/features/auth/api/get-me';
import { TaskMonitor } from '@/features/tasks/components/task-monitor';

export function TasksRoute() {
  const user = useCurrentUser();
  return <TaskMonitor user={user} />;
}
