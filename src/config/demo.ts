import type { SimulatedConfigInput } from './schema.js';

/**
 * The built-in demo: a hot-rolled coil / rebar style pair on a Shanghai futures calendar (day sessions
 * with the morning and lunch breaks, and a night session), one simulated trading day from Monday
 * evening's night session to Tuesday's close. Triggers sit around the simulated spread mean of 180.
 * examples/demo.yaml is the same config as a file (a test keeps them equal).
 */
export const demoConfig: SimulatedConfigInput = {
  run: { start: '2026-11-23T20:30:00', days: 1 },
  venue: {
    kind: 'simulated',
    seed: 1,
    latencyMs: 20,
    calendar: {
      timeZone: 'Asia/Shanghai',
      days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
      sessions: [
        { start: '09:00', end: '10:15' },
        { start: '10:30', end: '11:30' },
        { start: '13:30', end: '15:00' },
        { start: '21:00', end: '23:00' },
      ],
      holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07', '2027-01-01'],
    },
    instruments: [
      { symbol: 'RB', tickSize: '1', lotSize: '1', quoteIntervalMs: 500, size: { min: 5, max: 120 }, start: '3200', volatility: '0.25' },
      {
        symbol: 'HC',
        tickSize: '1',
        lotSize: '1',
        quoteIntervalMs: 500,
        size: { min: 5, max: 120 },
        follows: { symbol: 'RB', beta: '1', mean: '180', sd: '6', halfLifeSeconds: 900 },
      },
    ],
  },
  strategies: [
    {
      name: 'hc-rb',
      legs: [
        { symbol: 'HC', tickSize: '1', lotSize: '1', priceMultiplier: '1', tradingMultiplier: 1, contractMultiplier: '10' },
        { symbol: 'RB', tickSize: '1', lotSize: '1', priceMultiplier: '-1', tradingMultiplier: -1, contractMultiplier: '10' },
      ],
      triggers: { longEntry: '172', longExit: '180', shortEntry: '188', shortExit: '180' },
      target: 5,
      staleAfterMs: 5000,
      session: { closingLeadSeconds: 60 },
      execution: { activeLeg: 0, payupTicks: 1, resubmitMs: 2000, hedgeRounding: 'nearest' },
    },
  ],
};
