// features/tasks/: the task monitor (/), with its filters, and an execution's own page.
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { ExecutionDetail } from './components/execution-detail';
export { TaskMonitor } from './components/task-monitor';
