import { describe, expect, it } from 'vitest';

import { getToasts, hasToast, toast } from './toast';

describe('toast', () => {
  it('replaces a toast with the same key where it stands', () => {
    toast({ tone: 'info', title: 'Other' });
    const id = toast({ tone: 'info', title: 'Cancelling web-01…', key: 'execution-42' });
    expect(toast({ tone: 'warning', title: 'web-01 was cancelled', key: 'execution-42' })).toBe(id);
    expect(getToasts().map((item) => item.title)).toEqual(['Other', 'web-01 was cancelled']);
  });

  it('answers to any of its keys, and keeps only the keys of what replaced it', () => {
    toast({ tone: 'success', title: 'web-01 finished', key: ['notifications-1', 'execution-42'] });
    expect(hasToast('execution-42')).toBe(true);
    toast({ tone: 'success', title: '2 deployments finished', key: 'notifications-1' });
    expect(getToasts()).toHaveLength(1);
    expect(hasToast('execution-42')).toBe(false);
    toast({ tone: 'info', title: 'Retrying web-01', key: 'execution-42' });
    expect(getToasts()).toHaveLength(2);
  });
});
