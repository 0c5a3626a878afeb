import { VirtualClock } from '../../../src/clock/virtual-clock.js';
import { ReplayVenue } from '../../../src/venue/replay/replay-venue.js';
import { T0, fixSpec, recordedQuotes } from './market.js';
import { venueContract } from './venue-contract.js';
import { onVirtualClock } from './virtual.js';

/** The replay venue, with a switch for the exchange core's disconnections (planned faults of a backtest). */
class OutageReplay extends ReplayVenue {
  outage(on: boolean): void {
    this.setConnected(!on);
  }
}

const table = recordedQuotes();

venueContract('the replay venue', {
  // A backtest: recorded quotes in the engine's process, nothing outlives it to sync with.
  capabilities: { sync: false, reconnect: true, faults: true, replace: true },
  make: async (o = {}) => {
    const clock = new VirtualClock(T0);
    const spec = fixSpec();
    const venue = new OutageReplay(
      { kind: 'replay', seed: 7, latencyMs: spec.latencyMs, calendar: spec.calendar, instruments: spec.instruments.map(({ symbol, tickSize, lotSize, queue }) => ({ symbol, tickSize, lotSize, queue: queue ?? false })), ...(o.faults ? { faults: o.faults } : {}) },
      table,
      clock,
    );
    return onVirtualClock(venue, clock);
  },
});
