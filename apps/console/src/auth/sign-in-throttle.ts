import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface SignInThrottleOptions {
  /** Failed sign-ins of one name from one address before that pair is locked out. */
  maxFailuresPerUser: number;
  /** How long the pair stays locked, and how long failures are remembered. */
  lockoutMs: number;
  /** Failed sign-ins of any names from one address in a day before the address is locked out for a day. */
  maxFailuresPerAddressPerDay: number;
}

const DAY_S = 24 * 3_600;

/**
 * Slows guessing at the sign-in form: the consecutive-failures-by-name-and-address and failures-by-address-per-day
 * pattern of rate-limiter-flexible's login protection. Keyed by name and address, so someone guessing at a name
 * cannot lock its owner out from the owner's own address; the per-address limit stops one address trying many
 * names. In memory like the sessions (one console replica): a restart forgets the counts.
 */
export class SignInThrottle {
  private readonly byUser: RateLimiterMemory;
  private readonly byAddress: RateLimiterMemory;

  constructor(options: SignInThrottleOptions) {
    const lockoutS = Math.max(1, Math.ceil(options.lockoutMs / 1_000));
    this.byUser = new RateLimiterMemory({
      keyPrefix: 'sign-in-user',
      points: options.maxFailuresPerUser,
      duration: lockoutS,
      blockDuration: lockoutS,
    });
    this.byAddress = new RateLimiterMemory({
      keyPrefix: 'sign-in-address',
      points: options.maxFailuresPerAddressPerDay,
      duration: DAY_S,
      blockDuration: DAY_S,
    });
  }

  /** Milliseconds until this name may try again from this address, or 0 when it may try now. */
  async lockedFor(name: string, address: string): Promise<number> {
    const [user, addr] = await Promise.all([this.byUser.get(userKey(name, address)), this.byAddress.get(address)]);
    // Locked once the failures reach the limit (the limiter itself blocks only the attempt after it).
    const wait = (res: RateLimiterRes | null, max: number) => (res && res.consumedPoints >= max ? res.msBeforeNext : 0);
    return Math.max(wait(user, this.byUser.points), wait(addr, this.byAddress.points));
  }

  /** Counts a refused sign-in; answers how long the pair is locked now (0 when it may still try). */
  async failed(name: string, address: string): Promise<number> {
    // consume() rejects once a key is over its points: the count is kept either way.
    await Promise.allSettled([this.byUser.consume(userKey(name, address)), this.byAddress.consume(address)]);
    return this.lockedFor(name, address);
  }

  /** A successful sign-in clears that name's failures from that address. */
  async succeeded(name: string, address: string): Promise<void> {
    await this.byUser.delete(userKey(name, address));
  }
}

const userKey = (name: string, address: string) => `${name.toLowerCase()}\u0000${address}`;
