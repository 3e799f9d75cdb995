// features/operations/: queues (pause, resume), failures grouped by cause, metrics over time.
// What the app (src/app) uses of it; inside the feature, modules import each other directly.
// The metrics page has its own entry (./metrics), loaded on demand: it carries the charts.

export { FailuresPage } from './components/failures-page';
export { QueuesPage } from './components/queues-page';
