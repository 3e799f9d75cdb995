// features/templates/components/: the /templates page and the launch form built from a template's
// schema.

import { useId, useState } from 'react';

import { TaskProgress } from '@/components/task-progress/task-progress';
import { QueryPanel } from '@/components/ui/query-panel';
import type { Execution } from '@/types/api';

import { useTemplates, type TaskTemplate } from '../api/get-templates';

import { TemplateLaunchForm } from './template-launch-form';

/** `/templates`: reusable task definitions, each launchable with a form from its schema. */
export function TemplatesPage() {
  const templates = useTemplates();
  return (
    <>
      <h1 className="page-title">Templates</h1>
      <QueryPanel
        query={templates}
        loading="Loading templates…"
        error="Could not load templates"
        isEmpty={(data) => data.results.length === 0}
        empty="No templates yet."
      >
        {(data) => (
          <div className="card-list">
            {data.results.map((template) => (
              <TemplateCard key={template.id} template={template} />
            ))}
          </div>
        )}
      </QueryPanel>
    </>
  );
}

function TemplateCard({ template }: { template: TaskTemplate }) {
  const [open, setOpen] = useState(false);
  const [launched, setLaunched] = useState<Execution[]>([]);
  const headingId = useId();
  const formId = useId();
  return (
    <section className="panel" aria-labelledby={headingId}>
      <div className="panel-header">
        <div>
          <h2 id={headingId}>{template.name}</h2>
          <p className="muted small">
            {template.module} · <code>{template.task_name}</code>
          </p>
        </div>
        <div className="button-row">
          {!template.enabled && <span className="badge badge-warn">disabled</span>}
          <button
            type="button"
            className="button"
            aria-expanded={open}
            aria-controls={formId}
            onClick={() => setOpen((value) => !value)}
          >
            {open ? 'Close' : 'Launch…'}
          </button>
        </div>
      </div>
      {template.description && <p>{template.description}</p>}
      <div id={formId} hidden={!open}>
        {open && (
          <TemplateLaunchForm
            template={template}
            onLaunched={(execution) => setLaunched((current) => [execution, ...current])}
          />
        )}
      </div>
      {launched.map((execution) => (
        <TaskProgress key={execution.id} executionId={execution.id} showLink icon="▶" />
      ))}
    </section>
  );
}
