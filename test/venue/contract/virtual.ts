import { VirtualClock } from '../../../src/clock/virtual-clock.js';
import type { Exchange } from '../../../src/venue/exchange.js';
import type { ContractVenue } from './venue-contract.js';

/**
 * A venue on a VirtualClock, driven deterministically: `until` fires its timers one at a time until the
 * check holds (bounded, so a venue that never answers fails the test instead of hanging it).
 */
export function onVirtualClock(venue: Exchange & { outage(on: boolean): void }, clock: VirtualClock): ContractVenue {
  const until = async (check: () => boolean, what: string): Promise<void> => {
    for (let steps = 0; !check(); steps++) {
      if (steps > 2_000_000 || !clock.step()) throw new Error(`never happened: ${what} (virtual time ${new Date(clock.now()).toISOString()})`);
    }
  };
  return {
    venue,
    until,
    outage: async () => {
      venue.outage(true);
      return async () => venue.outage(false);
    },
    close: async () => venue.stop(),
  };
}
