import { TemplatesPage } from '@/features/templates';

export function TemplatesRoute() {
  return <TemplatesPage />;
}
