import { HealthPanel } from '@/features/health/components/health-panel';
import { StatsPage } from '@/features/stats/components/stats-page';

/** Loaded on demand (React.lazy): the chart library stays out of the main bundle. */
export default function StatsRoute() {
  return (
    <>
      <StatsPage />
      <div className="panel-grid">
        <HealthPanel />
      </div>
    </>
  );
}
