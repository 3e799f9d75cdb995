// features/stats/: execution statistics per module and per day (the /stats page).
// What the app (src/app) uses of it; inside the feature, modules import each other directly.

export { StatsPage } from './components/stats-page';
