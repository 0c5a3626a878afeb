import type { SimulatedConfigInput } from '../../src/config/schema.js';
import { book, type Scenario, type Stimulus } from './engine-model.js';

/**
 * The model's scenarios: the demo spread HC − RB (triggers: long entry 172, exit 180, short entry 188,
 * exit 180; target 5) on the demo's Shanghai calendar (sessions 09:00–10:15, 10:30–11:30, 13:30–15:00,
 * 21:00–23:00), on a venue with no latency. Each explores one part of the machines from a setup (its
 * prefix) with a few stimuli. The hedge ladder is short: rest at the near touch, re-price every second,
 * cross after 1.5 s, unwind after 2.5 s, give up after 3 s.
 */

const tick: Stimulus = { type: 'tick' };
const stop: Stimulus = { type: 'stop' };
const disconnect: Stimulus = { type: 'disconnect' };
const reconnect: Stimulus = { type: 'reconnect' };
const venueCancel: Stimulus = { type: 'venueCancel' };
const market = (name: string): Stimulus => ({ type: 'market', name });
const fault = (kind: Extract<Stimulus, { type: 'fault' }>['kind'], on?: Extract<Stimulus, { type: 'fault' }>['on']): Stimulus => (on ? { type: 'fault', kind, on } : { type: 'fault', kind });
const wait = (ms: number): Stimulus => ({ type: 'wait', ms });
const control = (action: 'pause' | 'resume' | 'flatten'): Stimulus => ({ type: 'control', action });
/** An operator's manual spread order (the desk's ticket); the strategy's kind (taker) unless given. */
const manual = (side: 'buy' | 'sell', qty: number, limit: string, kind?: 'taker' | 'contingent' | 'quoting'): Stimulus => ({ type: 'manual', order: { side, qty, limit, ...(kind ? { kind } : {}) } });
const stopAlgo: Stimulus = { type: 'stopAlgo' };
const stray: Stimulus = { type: 'stray' };

function with_(change: (s: SimulatedConfigInput['strategies'][number]) => void) {
  return (c: SimulatedConfigInput): void => {
    const s = c.strategies[0]!;
    s.session = { closingLeadSeconds: 5 };
    s.execution = { ...s.execution, hedge: { payupTicks: 0, repriceMs: 1000, crossAfterMs: 1500, unwindAfterMs: 2500, giveUpAfterMs: 3000 } };
    change(s);
  };
}
const base = with_(() => {});
/** The venue's answers awaited only `ms` (the late fault delays a report 1,200 ms): each late answer is chased. */
const answersWithin =
  (ms: number, change: (c: SimulatedConfigInput) => void = base) =>
  (c: SimulatedConfigInput): void => {
    change(c);
    c.venue.answerTimeoutMs = ms;
  };

/** HC 3379/3380 unless said; RB sets the spread (ask = HC ask − RB bid, bid = HC bid − RB ask). */
const markets = {
  /** Spread 179/181: nothing to do. */
  mid: { HC: book(3379, 3380), RB: book(3199, 3200) },
  /** Spread 170/172: the long entry. */
  longEntry: { HC: book(3379, 3380), RB: book(3208, 3209) },
  /** The long entry with 2 lots of HC offered: a partial entry. */
  thin: { HC: book(3379, 3380, 2), RB: book(3208, 3209) },
  /** RB bid through a resting hedge sell at 3209: it fills. */
  rbUp: { HC: book(3379, 3380), RB: book(3210, 3211) },
  /** Spread 180/182: the long exit. */
  longExit: { HC: book(3381, 3382), RB: book(3200, 3201) },
  /** Spread 188/190: the short entry. */
  shortEntry: { HC: book(3389, 3390), RB: book(3200, 3201) },
  /** RB ask through a resting hedge buy at 3200: it fills. */
  rbDown: { HC: book(3389, 3390), RB: book(3198, 3199) },
  /** Spread 178/180: the short exit. */
  shortExit: { HC: book(3379, 3380), RB: book(3200, 3201) },
  /** The short entry with 2 lots of HC bid: a partial short entry. */
  shortThin: { HC: book(3389, 3390, 2), RB: book(3200, 3201) },
  /** HC offered away from the taker's 3381 limit. */
  hcAway: { HC: book(3384, 3385), RB: book(3208, 3209) },
  /** RB bid through a resting hedge sell at 3209 with one lot: a partial fill. */
  rbUpOne: { HC: book(3379, 3380), RB: book(3210, 3211, 1) },
  /** A second lot of RB bid through the hedge sell. */
  rbUpTwo: { HC: book(3379, 3380), RB: book(3211, 3212, 1) },
  /** The long entry with 1 lot of RB bid: a contingent RB sell fills 1 and rests 4. */
  rbThin: { HC: book(3379, 3380), RB: book(3208, 3209, 1) },
  /** One lot of HC offered below a quoting buy: a partial fill. */
  hcThroughOne: { HC: book(3370, 3371, 1), RB: book(3208, 3209) },
  /** HC offered below a quoting buy: it fills. */
  hcThrough: { HC: book(3370, 3371), RB: book(3208, 3209) },
  /** The long entry's implied HC price moved up 3 ticks (quoting re-quotes). */
  entryMoved: { HC: book(3379, 3380), RB: book(3211, 3212) },
  /** RB offered 2 ticks lower: a resting hedge sell at 3209 is re-priced to 3207 (spread 172/174, no trigger). */
  rbAway: { HC: book(3379, 3380), RB: book(3206, 3207) },
};

type Strategy = SimulatedConfigInput['strategies'][number];
const kind = (k: 'contingent' | 'quoting') => (s: Strategy) => (s.execution!.kind = k);
const staleAfter = (ms: number) => (s: Strategy) => (s.staleAfterMs = ms);
const ladder = (h: Record<string, number | string>) => (s: Strategy) => (s.execution!.hedge = { ...s.execution!.hedge, ...h });
const all = (...fs: ((s: Strategy) => void)[]) => (s: Strategy) => fs.forEach((f) => f(s));
/** Pre-trade risk limits on top of a strategy change. */
const withRisk = (risk: SimulatedConfigInput['risk'], change: (s: Strategy) => void = () => {}) => (c: SimulatedConfigInput): void => {
  with_(change)(c);
  c.risk = risk;
};

export const scenarios: Scenario[] = [
  // The session window: open → closing → closed → open again; closed at start; inside the closing lead at start.
  { name: 'session open', start: '10:14:50', config: base, markets, stimuli: [tick, stop], depth: 4, simplePaths: true },
  { name: 'session closed', start: '12:00:00', config: base, markets, stimuli: [tick, stop], depth: 3, simplePaths: true },
  { name: 'session in the closing lead', start: '10:14:57', config: base, markets, stimuli: [tick, stop], depth: 2, simplePaths: true },
  // A market open around the clock: the window opens for good and waits for nothing; the strategy trades in it.
  {
    name: 'session around the clock',
    start: '10:00:00',
    config: (c) => {
      base(c);
      c.venue.calendar = { timeZone: 'Asia/Shanghai', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], sessions: [{ start: '00:00', end: '00:00' }] };
    },
    markets,
    stimuli: [market('longEntry'), tick, stop],
    depth: 2,
    simplePaths: true,
  },
  // A taker strategy through long and short round trips, whole and partial.
  { name: 'taker long', start: '10:00:00', config: base, markets, stimuli: [market('longEntry'), market('thin'), market('rbUp'), market('longExit'), market('mid'), fault('reject'), tick, stop], depth: 4 },
  { name: 'taker short', start: '10:00:00', config: base, markets, stimuli: [market('shortEntry'), market('shortThin'), market('rbDown'), market('shortExit'), tick, stop], depth: 4 },
  // A taker entry that rests (HC orders take 10 ms to arrive, and the ask moves away meanwhile): re-pricing.
  {
    name: 'taker re-pricing',
    start: '10:00:00',
    config: with_(ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 })),
    latency: { HC: 10 },
    markets,
    prefix: [market('longEntry'), market('hcAway'), tick],
    stimuli: [tick, fault('cancelReject'), fault('late', 'order.canceled'), market('longEntry'), stop],
    depth: 4,
  },
  // Reports before the acknowledgement, and duplicates, around a new order.
  {
    name: 'order before its ack',
    start: '10:00:00',
    config: base,
    markets,
    stimuli: [fault('late', 'order.accepted'), fault('late', 'order.filled'), fault('duplicate', 'order.filled'), fault('duplicate', 'order.accepted'), market('longEntry'), market('thin'), venueCancel, tick, stop],
    depth: 4,
  },
  // A resting hedge order (RB sell 5 at 3209): partial fills, fills racing its cancel, cancel rejects,
  // cancels by the venue, rejects after the acknowledgement.
  {
    name: 'resting hedge order',
    start: '10:00:00',
    config: with_(ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 })),
    markets,
    prefix: [market('longEntry')],
    stimuli: [market('rbUpOne'), market('rbUp'), fault('late', 'order.filled'), fault('late', 'order.canceled'), fault('duplicate', 'order.filled'), fault('cancelReject'), fault('rejectAfterAccept'), venueCancel, tick, stop],
    depth: 4,
  },
  // A fill that overtakes its order's acknowledgement, and a cancel by the venue that overtakes a fill, on the
  // hedge order (the entry's fill arrives late, so the faults armed after it meet the hedge).
  {
    name: 'hedge before its ack',
    start: '10:00:00',
    config: with_(ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 })),
    markets,
    prefix: [fault('late', 'order.filled'), market('longEntry'), fault('late', 'order.accepted')],
    stimuli: [tick, market('rbUpOne'), fault('late', 'order.filled'), fault('duplicate', 'order.filled'), venueCancel],
    depth: 5,
  },
  // Fills in flight while the hedge order is re-priced: they arrive while its cancel is pending, or after the
  // venue confirmed the cancel.
  {
    name: 'fills racing a cancel',
    start: '10:00:00',
    config: with_(ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 })),
    markets,
    prefix: [market('longEntry'), fault('late', 'order.filled'), market('rbUpOne')],
    stimuli: [tick, fault('late', 'order.canceled'), fault('late', 'order.filled'), fault('duplicate', 'order.filled'), market('rbUp'), market('rbUpOne')],
    depth: 5,
  },
  // Two fills in flight when the venue confirms a re-price cancel (the first duplicated): the order waits for both.
  {
    name: 'fills in flight after a cancel',
    start: '10:00:00',
    config: with_(ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 })),
    markets,
    prefix: [market('longEntry'), fault('late', 'order.filled'), fault('duplicate', 'order.filled'), market('rbUpOne'), wait(100), fault('late', 'order.filled'), market('rbUpTwo')],
    stimuli: [tick],
    depth: 5,
  },
  // A duplicated fill in flight while the re-price cancel's confirmation is late.
  {
    name: 'duplicate fill while cancelling',
    start: '10:00:00',
    config: with_(ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 })),
    markets,
    prefix: [market('longEntry'), fault('late', 'order.filled'), fault('duplicate', 'order.filled'), market('rbUpOne'), fault('late', 'order.canceled')],
    stimuli: [tick],
    depth: 5,
  },
  // The venue rejects an order it had acknowledged while the engine is cancelling it (the entry re-prices after
  // 1 s, once the price has left it).
  {
    name: 'reject racing a cancel',
    start: '10:00:00',
    config: with_((s) => (s.execution!.resubmitMs = 1000)),
    markets,
    prefix: [fault('rejectAfterAccept'), fault('late', 'order.rejected'), fault('late', 'order.cancelRejected'), market('longEntry'), market('hcAway')],
    stimuli: [tick],
    depth: 3,
  },
  // The ladder reaches unwinding while the entry still works: each entry kind closes.
  { name: 'unwinding a working taker', start: '10:00:00', config: with_(staleAfter(60_000)), markets, prefix: [market('thin'), disconnect], stimuli: [wait(1000)], depth: 4 },
  { name: 'unwinding a working contingent', start: '10:00:00', config: with_(all(staleAfter(60_000), kind('contingent'), (s) => (s.execution!.legTimeoutMs = 60_000))), markets, prefix: [market('thin'), disconnect], stimuli: [wait(1000)], depth: 4 },
  { name: 'unwinding a working quote', start: '10:00:00', config: with_(all(staleAfter(60_000), kind('quoting'))), markets, prefix: [market('longEntry'), market('hcThroughOne'), disconnect], stimuli: [wait(1000)], depth: 4 },
  // The hedge ladder while the venue refuses everything: cross, unwind, give up, stop with the residual.
  { name: 'hedge ladder gives up', start: '10:00:00', config: with_(staleAfter(60_000)), markets, prefix: [market('longEntry'), disconnect], stimuli: [wait(1000), reconnect], depth: 7 },
  // A fill for an order the engine never sent (a stray fill): the strategy counts it idle (and decides again), while
  // an algo works, while it flattens and while it stops; legs left unbalanced pause it.
  { name: 'stray fills', start: '10:00:00', config: base, markets, prefix: [market('mid')], stimuli: [stray, market('longEntry'), control('flatten'), stop], depth: 3 },
  // ... and while a flatten cannot trade (the venue is disconnected: its orders are rejected, it backs off).
  { name: 'stray fill while flattening', start: '10:00:00', config: base, markets, prefix: [market('mid'), stray, disconnect, control('flatten')], stimuli: [stray, reconnect], depth: 2 },
  // The stop policy `unwind`: the ladder turns to unwinding from resting and from crossing.
  { name: 'stop and unwind', start: '10:00:00', config: with_((s) => (s.execution!.stopPolicy = 'unwind')), markets, prefix: [market('longEntry'), disconnect], stimuli: [tick, stop, reconnect], depth: 4 },
  // The ladder pauses when the naked leg's book goes stale, and resumes (or the held fill balances it).
  { name: 'ladder paused', start: '10:00:00', config: with_(staleAfter(1000)), markets, prefix: [market('longEntry')], stimuli: [tick, market('longEntry'), market('rbUp'), disconnect, reconnect], depth: 5 },
  // A contingent entry's own resting leg fills while the ladder is paused (its fill was held by a disconnect);
  // or the entry fails and the ladder, paused through the window's close, unwinds when the window opens.
  {
    name: 'paused until the entry fills',
    start: '10:00:00',
    // Orders are not re-priced within the half hour, so a wait does not fire 1,800 stale reports.
    config: with_(all(staleAfter(1000), kind('contingent'), ladder({ repriceMs: 3_600_000 }), (s) => (s.execution!.resubmitMs = 3_600_000))),     markets,
    prefix: [market('rbThin')],
    stimuli: [disconnect, tick, market('rbUp'), reconnect, wait(30 * 60_000)],
    depth: 5,
  },
  // A stop just before the lunch break with a naked leg: the strategy waits through the break for its algo.
  { name: 'stop over the break', start: '11:29:50', config: with_(all(staleAfter(1000), ladder({ repriceMs: 3_600_000 }))), markets, prefix: [market('longEntry'), stop], stimuli: [tick, wait(2 * 3600_000), market('rbUp')], depth: 4 },
  // The kill switch: pause and resume around an entry; flatten a position, and a leg-out being hedged.
  { name: 'kill switch', start: '10:00:00', config: base, markets, stimuli: [control('pause'), control('resume'), control('flatten'), market('longEntry'), market('rbUp'), market('longExit'), tick], depth: 4 },
  // Pre-trade risk: an entry refused (taker and quoting), a hedge refused (the ladder unwinds), an order throttled
  // by the order-rate budget (sent when it allows, or cancelled while it waits).
  { name: 'risk refuses an entry', start: '10:00:00', config: withRisk({ instruments: [{ symbol: 'HC', maxPosition: 4 }] }), markets, stimuli: [market('longEntry'), market('shortEntry'), market('thin'), control('resume'), tick], depth: 3 },
  { name: 'risk refuses a quote', start: '10:00:00', config: withRisk({ instruments: [{ symbol: 'HC', maxPosition: 4 }] }, kind('quoting')), markets, stimuli: [market('longEntry'), control('resume'), tick], depth: 3 },
  { name: 'risk refuses a hedge', start: '10:00:00', config: withRisk({ instruments: [{ symbol: 'RB', maxPosition: 3 }] }), markets, stimuli: [market('longEntry'), market('rbUp'), tick, stop], depth: 3 },
  { name: 'order rate', start: '10:00:00', config: withRisk({ orderRate: { maxOrders: 1, perMs: 1000 } }), markets, stimuli: [market('longEntry'), tick, stop, market('mid')], depth: 3 },
  // A contingent entry's second leg waits over the budget past the leg timeout: it is cancelled unsent.
  {
    name: 'order rate, cancelled while throttled',
    start: '10:00:00',
    config: withRisk({ orderRate: { maxOrders: 1, perMs: 5000 } }, all(kind('contingent'), (s) => (s.execution!.legTimeoutMs = 1000))),
    markets,
    stimuli: [market('longEntry'), tick],
    depth: 2,
  },
  // The kill switch while the engine stops (ignored: the stop already applies its policy), and a second flatten
  // while the first still works (the venue is away, so nothing can fill).
  { name: 'kill switch while stopping or flattening', start: '10:00:00', config: base, markets, prefix: [market('longEntry')], stimuli: [stop, control('flatten'), disconnect], depth: 3 },
  // A ladder that starts crossing: the hedge goes out at the far touch at once, with no resting step.
  { name: 'ladder starts crossing', start: '10:00:00', config: with_(ladder({ firstStep: 'crossing' })), markets, prefix: [market('thin')], stimuli: [market('rbUp'), market('longEntry'), tick, stop], depth: 3 },
  // The desk: manual spread orders from flat, long and short (a taker at the spread, a quote away from it), one
  // waiting for its first book (it expires, or is stopped while pending), a stop of the running algo, and new
  // triggers and target (the strategy decides on the next book). No book is published before a `market` stimulus.
  {
    name: 'operator: manual orders, triggers and target',
    start: '10:00:00',
    config: base,
    markets,
    stimuli: [manual('buy', 1, '181'), manual('sell', 1, '179'), manual('buy', 1, '175', 'quoting'), market('mid'), tick, stopAlgo, { type: 'triggers', triggers: { longEntry: '181', longExit: null } }, { type: 'target', target: 2 }],
    depth: 3,
  },
  // Manual orders beside the strategy's own: long one unit by a manual contingent order, then manual orders from long
  // and from short, the strategy's own entry and exit, one refused while the strategy's own algo works, a pause.
  {
    name: 'operator: manual orders beside the strategy\'s own',
    start: '10:00:00',
    config: base,
    markets,
    prefix: [manual('buy', 1, '181', 'contingent'), market('mid')],
    stimuli: [manual('sell', 2, '179', 'contingent'), market('longEntry'), market('longExit'), control('pause'), manual('buy', 1, '190'), tick],
    depth: 3,
  },
  // Contingent entries: every leg at once; a reject or the leg timeout unwinds.
  { name: 'contingent', start: '10:00:00', config: with_(all(kind('contingent'), ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 }))), markets, stimuli: [market('longEntry'), market('thin'), market('mid'), market('rbUp'), fault('reject'), tick, stop], depth: 4 },
  // On a venue that can replace: the resting hedge (RB sell 5 at 3209) re-priced in place to 3207 when it goes stale
  // (the replace crossing fills, refused, confirmed late or twice), cancelled by the ladder's crossing step while
  // replacing (1.5 s), or by the venue.
  {
    name: 'hedge replaced in place',
    start: '10:00:00',
    config: base,
    replace: true,
    markets,
    prefix: [market('longEntry'), market('rbAway')],
    stimuli: [tick, fault('replaceReject'), fault('late', 'order.replaced'), fault('late', 'order.replaceRejected'), fault('duplicate', 'order.replaced'), fault('duplicate', 'order.replaceRejected'), fault('duplicate', 'order.filled'), market('rbUpOne'), market('rbUp'), venueCancel, stop],
    depth: 4,
  },
  // A hedge whose acknowledgement is late but which fills in part (so it works) and is re-priced in place before the
  // acknowledgement arrives; or one the venue rejects after acknowledging it, the reject arriving while it is replaced.
  {
    name: 'hedge replaced before its ack',
    start: '10:00:00',
    config: base,
    replace: true,
    markets,
    prefix: [fault('late', 'order.filled'), market('longEntry'), fault('late', 'order.accepted'), tick, market('rbUpOne'), market('rbAway'), fault('late', 'order.replaced')],
    stimuli: [tick],
    depth: 3,
  },
  // A venue that answers after the engine stopped waiting (100 ms; a late report comes 1,200 ms on): a new hedge's
  // acknowledgement, a re-price cancel's confirmation, the fill a cancel confirmation counted. Each is chased: the
  // cancel is sent again (the venue refuses the second: the order is done), and the late answer still counts.
  {
    name: 'venue silent on an order',
    start: '10:00:00',
    config: answersWithin(100),
    markets,
    prefix: [market('longEntry')],
    stimuli: [fault('late', 'order.accepted'), fault('late', 'order.canceled'), fault('late', 'order.filled'), market('rbUpOne'), tick],
    depth: 4,
  },
  // A re-price cancel's confirmation repeated while the fill it counted is late: the order awaits the count again.
  {
    name: 'cancel confirmed twice, its fill late',
    start: '10:00:00',
    config: base,
    markets,
    prefix: [market('longEntry'), fault('late', 'order.filled'), market('rbUpOne'), fault('duplicate', 'order.canceled')],
    stimuli: [tick],
    depth: 4,
  },
  // The same on a venue that can replace: the replace unanswered is sent again, and its late confirmation repeats it.
  {
    name: 'venue silent on a replace',
    start: '10:00:00',
    config: answersWithin(100),
    replace: true,
    markets,
    prefix: [market('longEntry'), market('rbAway')],
    stimuli: [fault('late', 'order.replaced'), fault('late', 'order.replaceRejected'), fault('replaceReject'), tick],
    depth: 3,
  },
  // Fills in flight while the hedge is replaced (the confirmation is late): a duplicate, and a cancel by the venue that
  // overtakes a fill; a cancel by the ladder's crossing step while the replace is in flight, answered after it.
  {
    name: 'fills racing a replace',
    start: '10:00:00',
    config: base,
    replace: true,
    markets,
    prefix: [market('longEntry'), market('rbAway'), fault('late', 'order.replaced')],
    stimuli: [tick, fault('duplicate', 'order.filled'), fault('late', 'order.filled'), market('rbUpOne'), venueCancel],
    depth: 5,
  },
  {
    name: 'cancel racing a replace',
    start: '10:00:00',
    config: base,
    replace: true,
    markets,
    prefix: [market('longEntry'), market('rbAway'), fault('late', 'order.canceled')],
    stimuli: [fault('late', 'order.replaced'), tick],
    depth: 4,
  },
  // A refused replace whose answer comes after the crossing step's cancel, or twice. (The model's state does not say
  // which report is in flight, so each gets its own setup.)
  {
    name: 'cancel racing a refused replace',
    start: '10:00:00',
    config: base,
    replace: true,
    markets,
    prefix: [market('longEntry'), market('rbAway'), fault('late', 'order.canceled'), fault('replaceReject'), fault('late', 'order.replaceRejected')],
    stimuli: [tick],
    depth: 3,
  },
  {
    name: 'a refused replace told twice',
    start: '10:00:00',
    config: base,
    replace: true,
    markets,
    prefix: [market('longEntry'), market('rbAway'), fault('replaceReject'), fault('duplicate', 'order.replaceRejected')],
    stimuli: [tick],
    depth: 2,
  },
  {
    name: 'hedge rejected while replaced',
    start: '10:00:00',
    config: base,
    replace: true,
    markets,
    prefix: [fault('late', 'order.filled'), market('longEntry'), fault('rejectAfterAccept'), fault('late', 'order.rejected'), tick, market('rbAway'), fault('late', 'order.replaceRejected')],
    stimuli: [tick],
    depth: 4,
  },
  // Quoting on a venue that can replace: the quote re-priced in place; refused, it is cancelled and quoted anew; asked
  // while it awaits its acknowledgement, or while it waits for the order-rate budget, it cannot be replaced yet.
  {
    name: 'quoting in place',
    start: '10:00:00',
    config: with_(all(kind('quoting'), ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 }))),
    replace: true,
    markets,
    stimuli: [market('mid'), market('longEntry'), market('entryMoved'), market('hcThrough'), fault('replaceReject'), fault('late', 'order.accepted'), fault('late', 'order.replaced'), tick, stop],
    depth: 4,
  },
  {
    name: 'quoting in place, throttled',
    start: '10:00:00',
    config: withRisk({ orderRate: { maxOrders: 1, perMs: 5000 } }, all(kind('quoting'), ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 }))),
    replace: true,
    markets,
    stimuli: [market('longEntry'), market('entryMoved'), market('mid'), tick],
    depth: 4,
  },
  // Quoting entries: rest at the implied price, re-quote on a move, and the stops around them.
  {
    name: 'quoting',
    start: '10:00:00',
    config: with_(all(kind('quoting'), ladder({ crossAfterMs: 10_000, unwindAfterMs: 20_000 }))),
    markets,
    stimuli: [market('mid'), market('longEntry'), market('entryMoved'), market('hcThrough'), fault('reject'), fault('cancelReject'), venueCancel, tick, stop],
    depth: 4,
  },
];
