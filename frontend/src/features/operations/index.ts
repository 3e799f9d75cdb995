// features/operations/: queues (pause, resume), failures grouped by cause, metrics over time.
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { FailuresPage } from './components/failures-page';
export { MetricsPage } from './components/metrics-page';
export { QueuesPage } from './components/queues-page';
