import { describe, expect, it } from 'vitest';

import { buildExecution } from '@/testing/factories';

import { progressMessage } from './progress';
import { progressTone, statusLabel } from './status';

describe('progressMessage', () => {
  it('joins the step and the message, or gives whichever the task reports', () => {
    const execution = buildExecution({ current_step: 3, total_steps: 8, message: 'Powering on VM...' });
    expect(progressMessage(execution)).toBe('Step 3 of 8: Powering on VM...');
    expect(progressMessage({ ...execution, message: '' })).toBe('Step 3 of 8');
    expect(progressMessage({ ...execution, total_steps: 0 })).toBe('Powering on VM...');
  });

  it('says a silent running task waits for a worker', () => {
    const silent = buildExecution({ total_steps: 0, message: '', status: 'PENDING' });
    expect(progressMessage(silent)).toBe('Waiting for a worker…');
    expect(progressMessage({ ...silent, is_active: false })).toBe('');
  });
});

describe('status words and tones', () => {
  it('names each status for users and keeps an unknown one as it is', () => {
    expect(statusLabel('REVOKED')).toBe('Cancelled');
    expect(statusLabel('ODD')).toBe('ODD');
    expect(['PENDING', 'PROGRESS', 'SUCCESS', 'FAILURE'].map(progressTone)).toEqual(['idle', 'running', 'success', 'failure']);
  });
});
