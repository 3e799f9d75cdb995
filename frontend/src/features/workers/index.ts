// features/workers/: the Celery workers as Flower sees them, with their admin actions (staff).
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { WorkersPage } from './components/workers-page';
