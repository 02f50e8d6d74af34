import { describe, expect, it } from 'vitest';
import { numericId } from './ids';

describe('numericId', () => {
  it.each([
    ['gid://kickoff/Project/1', '1'],
    ['gid://kickoff/PipelineTrigger/42', '42'],
    ['gid://other/Project/1', 'gid://other/Project/1'],
    ['7', '7'],
  ])('%s → %s', (gid, want) => {
    expect(numericId(gid)).toBe(want);
  });
});
