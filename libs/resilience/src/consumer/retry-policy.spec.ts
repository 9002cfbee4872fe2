import { backoffDelay } from './retry-policy';

const policy = { baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay', () => {
  it('doubles per attempt within the jitter band', () => {
    expect(backoffDelay(1, policy, undefined, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, undefined, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, undefined, () => 1)).toBe(400);
  });

  it('is capped by maxDelayMs', () => {
    expect(backoffDelay(20, policy, undefined, () => 1)).toBe(1000);
  });

  it('honours a longer hint from the target, such as Retry-After', () => {
    expect(backoffDelay(1, policy, 5000, () => 0)).toBe(5000);
  });
});
