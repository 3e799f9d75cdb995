import { HealthPanel } from '@/features/health';
import { StatsPage } from '@/features/stats';

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
