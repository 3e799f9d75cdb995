import { describe, expect, it } from 'vitest';

import { burstToast, type BurstEntry } from './burst';

const deploy = (level: string): BurstEntry => ({ level, module: 'deploy' });

describe('burstToast', () => {
  it('counts a burst of deployments and their failures, linking to the failed ones', () => {
    const entries = [...Array.from({ length: 8 }, () => deploy('success')), deploy('error'), deploy('error')];
    expect(burstToast(entries)).toEqual({
      tone: 'error',
      title: '10 deployments finished, 2 failed',
      href: '/?status=FAILURE&module=deploy',
      linkLabel: 'Show the failed ones',
    });
  });

  it('says "cancelled" for a bulk cancel, and "tasks" for mixed or unknown modules', () => {
    expect(burstToast(Array.from({ length: 30 }, () => deploy('warning'))).title).toBe('30 deployments cancelled');
    const mixed = burstToast([deploy('success'), { level: 'success', module: 'edi' }, { level: 'warning', module: null }]);
    expect(mixed).toMatchObject({ tone: 'warning', title: '3 tasks finished, 1 cancelled', href: '/' });
  });
});
