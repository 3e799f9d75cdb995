// features/health/: the health of the services behind TaskPulse (database, Redis, Flower,
// workers).
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { HealthPanel } from './components/health-panel';
