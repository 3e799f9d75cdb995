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
    ['', '/'],
    ['next=https%3A%2F%2Fevil.example', '/'],
    ['next=%2F%2Fevil.example', '/'],
    ['next=%2F%5Cevil.example', '/'],
  ])('sends ?%s to %s', (search, expected) => {
    expect(redirectTargetFrom(new URLSearchParams(search))).toBe(expected);
  });
});
