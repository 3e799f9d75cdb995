import { describe, expect, it } from 'vitest';

import { loginPathFor, redirectTargetFrom } from './redirect';

describe('login redirects', () => {
  it('remembers where the user was going', () => {
    expect(loginPathFor({ pathname: '/tasks/7', search: '?tab=logs' })).toBe(
      '/login?next=%2Ftasks%2F7%3Ftab%3Dlogs',
    );
    expect(loginPathFor({ pathname: '/' })).toBe('/login');
  });

  it.each([
    ['next=%2Ftasks%2F7', '/tasks/7'],
    ['next=%2Ftasks%2F7%3Ftab%3Dlogs%23end', '/tasks/7?tab=logs#end'],
    ['next=/flower/tasks', '/flower/tasks'],
    ['', '/'],
    ['next=', '/'],
    ['next=tasks%2F7', '/'],
    ['next=https%3A%2F%2Fevil.example', '/'],
    ['next=javascript%3Aalert(1)', '/'],
    ['next=%2F%2Fevil.example', '/'],
    ['next=%2F%5Cevil.example', '/'],
    ['next=/%09/evil.example', '/'],
    ['next=/%0A/evil.example', '/'],
    ['next=/%0D%0A/evil.example', '/'],
    ['next=/%5C%09evil.example', '/'],
    ['next=/.//evil.example', '/'],
    ['next=/./%5C/evil.example', '/'],
  ])('sends ?%s to %s', (search, expected) => {
    expect(redirectTargetFrom(new URLSearchParams(search))).toBe(expected);
  });

  it('keeps only paths of the given origin', () => {
    const origin = 'https://taskpulse.example';
    expect(redirectTargetFrom(new URLSearchParams('next=/tasks'), origin)).toBe('/tasks');
    expect(redirectTargetFrom(new URLSearchParams('next=/%09/x.example/a'), origin)).toBe('/');
  });
});
