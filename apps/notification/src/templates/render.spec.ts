import { describe, expect, it } from 'vitest';
import { placeholdersOf, renderTemplate } from './render.js';

describe('renderTemplate', () => {
  it('fills dotted paths and fallbacks', () => {
    expect(
      renderTemplate('Hi {{prospect.firstName|there}}, I am {{rep.name}}', {
        prospect: {},
        rep: { name: 'Ana' },
      }),
    ).toBe('Hi there, I am Ana');
  });

  it('leaves out a line whose placeholders are all empty, keeps literal lines', () => {
    const text = renderTemplate('Hello\nTitle: {{title}}\n\nBye {{name}}', { name: 'Priya', title: '' });
    expect(text).toBe('Hello\n\nBye Priya');
  });

  it('lists the placeholders', () => {
    expect(placeholdersOf('{{a.b}} {{ c | d }}')).toEqual(['a.b', 'c']);
  });
});
