import { Injectable } from '@nestjs/common';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { ProblemException } from '../common/problem.js';

/** Failed sign-ins allowed per username, and per client address, in a 15-minute window. */
export const LOGIN_LIMITS = { perUsername: 5, perAddress: 50, windowSeconds: 15 * 60 } as const;

/**
 * Slows password guessing: after 5 failed sign-ins for a username (in any letter case), or 50 from
 * one address, within 15 minutes, further attempts are refused with 429 until the window ends. A
 * success clears the username's count. Held in this process's memory (rate-limiter-flexible's
 * memory limiter): each replica counts on its own, and a restart forgets.
 */
@Injectable()
export class LoginThrottle {
  private readonly byUsername = new RateLimiterMemory({ points: LOGIN_LIMITS.perUsername, duration: LOGIN_LIMITS.windowSeconds });
  private readonly byAddress = new RateLimiterMemory({ points: LOGIN_LIMITS.perAddress, duration: LOGIN_LIMITS.windowSeconds });

  /** Throws 429 TOO_MANY_ATTEMPTS when either count is spent. */
  async check(username: string, address: string): Promise<void> {
    const [user, ip] = await Promise.all([this.byUsername.get(username.toLowerCase()), this.byAddress.get(address)]);
    const waits = [
      user && user.consumedPoints >= LOGIN_LIMITS.perUsername ? user.msBeforeNext : 0,
      ip && ip.consumedPoints >= LOGIN_LIMITS.perAddress ? ip.msBeforeNext : 0,
    ];
    const wait = Math.max(...waits);
    if (wait > 0) {
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      throw new ProblemException(
        'TOO_MANY_ATTEMPTS',
        {
          it: `Troppi tentativi di accesso non riusciti: riprovare tra ${seconds} secondi.`,
          en: `Too many failed sign-in attempts: try again in ${seconds} seconds.`,
        },
        {},
        { 'Retry-After': String(seconds) },
      );
    }
  }

  async failed(username: string, address: string): Promise<void> {
    // consume() rejects once the points are spent: the count is what matters here, not the rejection.
    await Promise.allSettled([this.byUsername.consume(username.toLowerCase()), this.byAddress.consume(address)]);
  }

  async succeeded(username: string): Promise<void> {
    await this.byUsername.delete(username.toLowerCase());
  }
}
