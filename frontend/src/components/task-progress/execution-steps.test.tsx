import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { buildExecution } from '@/testing/factories';
import type { Execution } from '@/types/api';

import { ExecutionSteps } from './execution-steps';

function renderSteps(execution: Execution, fallbackNames: string[] = []) {
  const view = render(<ExecutionSteps execution={execution} fallbackNames={fallbackNames} />);
  return { rerender: (next: Execution) => view.rerender(<ExecutionSteps execution={next} fallbackNames={fallbackNames} />) };
}

function items() {
  return within(screen.getByRole('list', { name: 'Steps' })).getAllByRole('listitem');
}

const started = new Date(Date.now() - 5000).toISOString();

describe('ExecutionSteps', () => {
  it('names the steps by the module’s plan and shows the running one’s message', () => {
    renderSteps(buildExecution({ current_step: 2, total_steps: 3, message: 'Cloning…', steps: undefined }), ['Connect', 'Clone', 'Verify']);
    expect(items().map((item) => item.textContent)).toEqual(['Connect(completed)', 'CloneCloning…(in progress)', 'Verify(pending)']);
  });

  it('times a step the page saw start and end before the server’s times are read', () => {
    const first = buildExecution({
      current_step: 1,
      total_steps: 2,
      message: '',
      steps: [
        { index: 1, name: 'Connect', status: 'running', started_at: started, finished_at: null },
        { index: 2, name: 'Clone', status: 'pending', started_at: null, finished_at: null },
      ],
    });
    const { rerender } = renderSteps(first);
    expect(items()[0]).toHaveTextContent(/Connect\d+s\(in progress\)/);

    // A live event moves it to step 2: step 1 ends now, step 2 starts now (to the second).
    rerender({ ...first, current_step: 2, seq: first.seq + 1 });
    expect(items()[0]).toHaveTextContent(/^Connect\d+s\(completed\)$/);
    expect(items()[1]).toHaveTextContent(/^Clone0s\(in progress\)$/);
  });

  it('marks a failed step and, after a failure, the steps not run', () => {
    renderSteps(buildExecution({ status: 'FAILURE', is_active: false, current_step: 2, total_steps: 3, error: 'boom', steps: undefined }));
    expect(items().map((item) => item.textContent)).toEqual(['Step 1(completed)', 'Step 2(failed)', 'Step 3(not run)']);
  });
});
