import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { demoConfig } from '../../src/config/demo.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { Decimal } from '../../src/domain/decimal.js';
import { ConfigErrors } from '../../src/domain/errors.js';
import { checkLegQuotes, checkVenueCapabilities } from '../../src/engine/capabilities.js';
import { RemoteVenue } from '../../src/venue/remote/remote-venue.js';
import { VenueHost, VenueServer } from '../../src/venue/remote/venue-host.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';
import type { InstrumentInfo } from '../../src/venue/venue.js';

/** Two strategies: ab = A − B (A: tick 0.5, lot 1; B: tick 1, lot 2) and bc = B − C. */
const config = resolveConfig(
  {
    venue: {
      kind: 'replay',
      instruments: [
        { symbol: 'A', tickSize: '0.5', lotSize: '1' },
        { symbol: 'B', tickSize: '1', lotSize: '2' },
        { symbol: 'C', tickSize: '1', lotSize: '1' },
      ],
    },
    strategies: [
      {
        name: 'ab',
        legs: [
          { symbol: 'A', tickSize: '0.5', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1 },
          { symbol: 'B', tickSize: '1', lotSize: '2', priceMultiplier: '-1', tradingMultiplier: -1 },
        ],
        triggers: { longEntry: '6' },
        target: 1,
        session: { closingLeadSeconds: 0 },
      },
      {
        name: 'bc',
        legs: [
          { symbol: 'B', tickSize: '1', lotSize: '2', priceMultiplier: '1', tradingMultiplier: 1 },
          { symbol: 'C', tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1 },
        ],
        triggers: { longEntry: '6' },
        target: 1,
        session: { closingLeadSeconds: 0 },
      },
    ],
  } satisfies ConfigInput,
  'caps.yaml',
);

const inst = (symbol: string, tickSize: string, lotSize: string): InstrumentInfo => ({ symbol, tickSize: new Decimal(tickSize), lotSize: new Decimal(lotSize) });

/** The ConfigErrors thrown, as [path, message] pairs. */
function problems(fn: () => void): [string, string][] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigErrors);
    return (e as ConfigErrors).errors.map((x) => [x.path, x.message]);
  }
  throw new Error('expected ConfigErrors, nothing was thrown');
}

describe('checkVenueCapabilities: every leg at the venue, with its tick and lot size', () => {
  it('accepts a venue that offers every leg with equal sizes (compared as decimals) and more instruments besides', () => {
    expect(() => checkVenueCapabilities(config, [inst('C', '1', '1'), inst('B', '1.00', '2'), inst('A', '0.50', '1.0'), inst('D', '5', '5')])).not.toThrow();
  });

  it('refuses a leg whose symbol the venue does not offer, naming the strategy, the leg and the symbol', () => {
    expect(problems(() => checkVenueCapabilities(config, [inst('A', '0.5', '1'), inst('B', '1', '2')]))).toEqual([
      ['strategies[1].legs[1].symbol', 'strategies[1].legs[1].symbol: leg 1 of strategy "bc": C is not offered by the venue (it offers A, B)'],
    ]);
  });

  it('refuses a leg whose tick size differs from the venue\'s', () => {
    expect(problems(() => checkVenueCapabilities(config, [inst('A', '0.25', '1'), inst('B', '1', '2'), inst('C', '1', '1')], 'the venue at /tmp/v.sock'))).toEqual([
      ['strategies[0].legs[0].tickSize', 'strategies[0].legs[0].tickSize: leg 0 of strategy "ab" (A): tick size 0.5 differs from 0.25 at the venue at /tmp/v.sock'],
    ]);
  });

  it('refuses a leg whose lot size differs, once per leg that uses the instrument', () => {
    expect(problems(() => checkVenueCapabilities(config, [inst('A', '0.5', '1'), inst('B', '1', '1'), inst('C', '1', '1')]))).toEqual([
      ['strategies[0].legs[1].lotSize', 'strategies[0].legs[1].lotSize: leg 1 of strategy "ab" (B): lot size 2 differs from 1 at the venue'],
      ['strategies[1].legs[0].lotSize', 'strategies[1].legs[0].lotSize: leg 0 of strategy "bc" (B): lot size 2 differs from 1 at the venue'],
    ]);
  });

  it('reports every problem at once, in strategy and leg order, under the config\'s name', () => {
    let thrown: unknown;
    try {
      checkVenueCapabilities(config, [inst('B', '2', '3')]);
    } catch (e) {
      thrown = e;
    }
    expect((thrown as ConfigErrors).message).toBe(
      [
        'invalid configuration in caps.yaml:',
        '  - strategies[0].legs[0].symbol: leg 0 of strategy "ab": A is not offered by the venue (it offers B)',
        '  - strategies[0].legs[1].tickSize: leg 1 of strategy "ab" (B): tick size 1 differs from 2 at the venue',
        '  - strategies[0].legs[1].lotSize: leg 1 of strategy "ab" (B): lot size 2 differs from 3 at the venue',
        '  - strategies[1].legs[0].tickSize: leg 0 of strategy "bc" (B): tick size 1 differs from 2 at the venue',
        '  - strategies[1].legs[0].lotSize: leg 0 of strategy "bc" (B): lot size 2 differs from 3 at the venue',
        '  - strategies[1].legs[1].symbol: leg 1 of strategy "bc": C is not offered by the venue (it offers B)',
      ].join('\n'),
    );
    expect(problems(() => checkVenueCapabilities(config, []))[0]).toEqual([
      'strategies[0].legs[0].symbol',
      'strategies[0].legs[0].symbol: leg 0 of strategy "ab": A is not offered by the venue (it offers none)',
    ]);
  });
});

describe('checkLegQuotes: every leg has quotes in the recorded data', () => {
  it('accepts data with every leg, and names each leg without quotes and the data given', () => {
    expect(() => checkLegQuotes(config, ['C', 'A', 'B', 'X'], ['q.csv'])).not.toThrow();
    expect(problems(() => checkLegQuotes(config, ['A', 'B'], ['q.csv', 'more/']))).toEqual([
      ['strategies[1].legs[1].symbol', 'strategies[1].legs[1].symbol: leg 1 of strategy "bc": C has no quotes in the data (q.csv, more/)'],
    ]);
  });
});

describe('a venue process tells its instruments when the engine connects', () => {
  it('the instruments of its hello are what the check reads: equal to its config passes, a different lot size is refused', async () => {
    const demo = resolveConfig(demoConfig, 'built-in demo');
    const sock = join(mkdtempSync(join(tmpdir(), 'legato-caps-')), 'venue.sock');
    const server = await VenueServer.start(new VenueHost(demo.venue as SimVenueSpec, demo.run.start), { listen: sock, speed: 1 });
    const venue = await RemoteVenue.connect(sock);
    try {
      expect(venue.instruments().map((i) => `${i.symbol} ${i.tickSize.toFixed()} ${i.lotSize.toFixed()}`)).toEqual(['RB 1 1', 'HC 1 1']);
      expect(() => checkVenueCapabilities(demo, venue.instruments(), `the venue at ${sock}`)).not.toThrow();
      // The engine's config says RB trades in lots of 2 (its own venue section agrees, so it resolves).
      const raw = structuredClone(demoConfig);
      raw.venue.instruments[0]!.lotSize = '2';
      raw.strategies[0]!.legs[1]!.lotSize = '2';
      const other = resolveConfig(raw, 'rb2.yaml');
      expect(problems(() => checkVenueCapabilities(other, venue.instruments(), `the venue at ${sock}`))).toEqual([
        ['strategies[0].legs[1].lotSize', `strategies[0].legs[1].lotSize: leg 1 of strategy "hc-rb" (RB): lot size 2 differs from 1 at the venue at ${sock}`],
      ]);
    } finally {
      venue.stop();
      await server.close();
    }
  });
});
