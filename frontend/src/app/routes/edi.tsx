import { EdiPage } from '@/features/edi';

/** Loaded on demand (React.lazy), like the stats page: the main bundle stays small. */
export default function EdiRoute() {
  return <EdiPage />;
}
