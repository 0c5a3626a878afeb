import { VirtualClock } from '../../../src/clock/virtual-clock.js';
import { SimulatedVenue } from '../../../src/venue/simulated/simulated-venue.js';
import { T0, fixSpec } from './market.js';
import { venueContract } from './venue-contract.js';
import { onVirtualClock } from './virtual.js';

/** The embedded venue, with a switch for the exchange core's disconnections (they are planned faults there). */
class OutageVenue extends SimulatedVenue {
  outage(on: boolean): void {
    this.setConnected(!on);
  }
}

venueContract('the embedded simulated venue', {
  // It lives and dies with the engine: nothing outlives a restart to sync with.
  capabilities: { sync: false, reconnect: true, faults: true, replace: true },
  make: async (o = {}) => {
    const clock = new VirtualClock(T0);
    return onVirtualClock(new OutageVenue(fixSpec(o.faults ? { faults: o.faults } : {}), clock), clock);
  },
});
