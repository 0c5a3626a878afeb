import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crashConfig } from '../../scripts/crash.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { SimVenueSpec } from '../../src/venue/simulated/simulated-venue.js';
import { MAX_ENGINE_LINE_BYTES, parseEngineMessage, type VenueMessage, type WireStats } from '../../src/venue/remote/protocol.js';
import { VenueHost, engineReader } from '../../src/venue/remote/venue-host.js';

/**
 * Hostile input for the venue process, fed through its own per-connection reader (bytes, in random chunks):
 * arbitrary JSON values, malformed and over-long lines, and near-valid messages (a valid message with one
 * field deleted or replaced). Invariants: nothing throws (and nothing fails inside the venue), each line gets
 * at most one answer, a line that is not a valid message is answered once and changes nothing, an order that
 * breaks a venue rule is rejected without touching positions or open orders, and a valid order still trades
 * at the end.
 */

const config = resolveConfig(crashConfig(1, 10, 'taker'), 'crash', {});
const SEED = 20_251_212;
const RUNS = 300;

/** What a line must get: nothing (blank), one protocol error, one order reject, or (valid) at most one answer. */
type Expect = 'none' | 'error' | 'reject' | 'valid';
interface Line {
  kind: 'json' | 'text' | 'near' | 'long';
  line: string;
  /** For near-valid messages built from a bad value known in advance: what it must get. */
  known?: 'error' | 'reject';
}

const noNewline = (s: string): string => s.replace(/\n/g, ' ');

const arbitraryJson: fc.Arbitrary<Line> = fc.jsonValue().map((v) => ({ kind: 'json', line: JSON.stringify(v) ?? 'null' }));

const validMessages = [
  (n: number) => ({ t: 'submit', order: { clientId: `v${n}`, symbol: 'RB', side: 1, qty: 1, price: '1000' } }),
  (n: number) => ({ t: 'cancel', clientId: `v${n}` }),
  (n: number) => ({ t: 'sync', id: n, clientIds: [`v${n}`, `w${n}`] }),
  (n: number) => ({ t: 'stats', id: n }),
];

const malformedText: fc.Arbitrary<Line> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ kind: 'text' as const, line: noNewline(s) })),
  // A valid message cut short, or with bytes around it.
  fc.tuple(fc.constantFrom(...validMessages), fc.nat(50), fc.nat(200)).map(([m, n, cut]) => {
    const s = JSON.stringify(m(n));
    return { kind: 'text' as const, line: s.slice(0, cut % s.length) };
  }),
  fc.constantFrom(
    '{',
    '}',
    '"t"',
    '\uFEFF{"t":"stats","id":1}',
    '{"t":"stats","id":1}}',
    '{"t":"stats","id":1}\r',
    '{"t":"stats","id":01}',
    '{"t":"stats","id":NaN}',
    '{"t":"sync","id":1,"clientIds":[' + '['.repeat(5000),
    '['.repeat(20_000) + ']'.repeat(20_000),
    '{"__proto__":{"t":"submit"}}',
    '{"t":"__proto__"}',
    '{"t":"constructor","id":1}',
    '{"t":"hasOwnProperty"}',
    '{"t":"stats","t":"submit"}',
    '   ',
    '\t',
  ).map((line) => ({ kind: 'text' as const, line })),
);

const overLong: fc.Arbitrary<Line> = fc.tuple(fc.integer({ min: MAX_ENGINE_LINE_BYTES - 2, max: MAX_ENGINE_LINE_BYTES + 5000 }), fc.boolean()).map(([n, quoted]) => ({
  kind: 'long' as const,
  line: quoted ? `{"t":"stats","id":1,"pad":"${'p'.repeat(n)}"}` : 'z'.repeat(n),
}));

/** One field of a valid message, and bad values for it: [value, what it must get]. */
const mutations: { template: number; path: (string | number)[]; bad: [unknown, 'error' | 'reject'][] }[] = (() => {
  const e = (...vs: unknown[]): [unknown, 'error'][] => vs.map((v) => [v, 'error']);
  const r = (...vs: unknown[]): [unknown, 'reject'][] => vs.map((v) => [v, 'reject']);
  const clientId = e('', ' ', 'a b', 'x'.repeat(129), 'tab\there', 'é', 'nul\u0000', 7, null, true, ['v1'], {});
  const t = e('', 'Submit', 'constructor', '__proto__', 'toString', 1, null, ['submit']);
  const id = e(1.5, '1', null, 2 ** 53, true, [], {});
  return [
    { template: 0, path: ['t'], bad: t },
    { template: 0, path: ['order'], bad: e(null, 1, 'x', [], true) },
    { template: 0, path: ['order', 'clientId'], bad: clientId },
    { template: 0, path: ['order', 'symbol'], bad: [...r('ZZ', 'rb', 'R B'), ...e('', 'x'.repeat(65), 'RB\n', 3, null)] },
    { template: 0, path: ['order', 'side'], bad: e(0, 2, -2, '1', 1.5, null, true, 'buy') },
    { template: 0, path: ['order', 'qty'], bad: e(0, -1, 1.5, 2 ** 53, '1', null, 1e308, false) },
    {
      template: 0,
      path: ['order', 'price'],
      bad: [...r('-1000', '0', '-0', '0.000', '1000.5', '99999999999999999999999'), ...e('1e3', '0x10', 'Infinity', 'NaN', '', ' 1000', '1000 ', '+1000', '.5', '1.', '1'.repeat(41), 1000, null, [])],
    },
    { template: 1, path: ['t'], bad: t },
    { template: 1, path: ['clientId'], bad: clientId },
    { template: 2, path: ['id'], bad: id },
    { template: 2, path: ['clientIds'], bad: e('x', null, 1, {}, [1], ['a b'], [''], [null], Array.from({ length: 10_001 }, (_, i) => `s${i}`)) },
    { template: 2, path: ['clientIds', 1], bad: clientId },
    { template: 3, path: ['id'], bad: id },
    { template: 3, path: ['t'], bad: t },
  ];
})();

function mutate(message: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(message) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) {
    if (Array.isArray(at)) at.splice(last as number, 1);
    else delete at[last];
  } else at[last] = value;
  return copy;
}

/** Every (field, bad value) pair, each as likely as the others. */
const knownBad = mutations.flatMap((m) => m.bad.map(([value, known]) => ({ template: m.template, path: m.path, value, known })));

const nearValid: fc.Arbitrary<Line> = fc.oneof(
  // One field removed, or replaced with any JSON value (which may happen to be valid).
  fc.tuple(fc.nat(mutations.length - 1), fc.nat(1000), fc.boolean(), fc.jsonValue()).map(([which, n, remove, random]) => {
    const m = mutations[which]!;
    return { kind: 'near' as const, line: JSON.stringify(mutate(validMessages[m.template]!(n), m.path, random, remove)) };
  }),
  // One field replaced with a value known to be bad.
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...knownBad), fc.nat(1000)).map(([b, n]) => ({
      kind: 'near' as const,
      line: JSON.stringify(mutate(validMessages[b.template]!(n), b.path, b.value, false)),
      known: b.known,
    })),
  },
);

/** A line fed in pieces cut at random byte offsets (a character may be split across chunks). */
const fed = fc.tuple(fc.oneof({ weight: 3, arbitrary: arbitraryJson }, { weight: 3, arbitrary: malformedText }, { weight: 5, arbitrary: nearValid }, { weight: 1, arbitrary: overLong }), fc.array(fc.nat(), { maxLength: 3 }));

/** What a line must get, from its bytes as the venue decodes them and the protocol's rules. */
function expectation(line: string): Expect {
  const bytes = Buffer.from(line, 'utf8');
  const text = bytes.toString('utf8');
  if (bytes.length > MAX_ENGINE_LINE_BYTES) return 'error';
  if (text.trim() === '') return 'none';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'error';
  }
  return parseEngineMessage(v).ok ? 'valid' : 'error';
}

const isErrorAnswer = (m: VenueMessage): boolean => m.t === 'error' || (m.t === 'reply' && m.error !== undefined);
const orderRejected = (m: VenueMessage | undefined): m is Extract<VenueMessage, { t: 'report' }> => m?.t === 'report' && m.r.type === 'order.rejected';

describe('chaos: hostile lines to the venue process', () => {
  it(`never throws, answers each line at most once, changes nothing on invalid ones, and still trades (seed ${SEED}, ${RUNS} runs)`, () => {
    const counts = { runs: 0, messages: 0, errorsAnswered: 0, orderRejects: 0, valid: 0, blank: 0, overLong: 0, nearValid: 0, chunks: 0 };
    fc.assert(
      fc.property(fc.array(fed, { minLength: 1, maxLength: 25 }), (lines) => {
        counts.runs++;
        const h = new VenueHost(config.venue as SimVenueSpec, config.run.start);
        const answers: VenueMessage[] = [];
        const read = engineReader(h, (m) => answers.push(m), (send) => h.setSink(send));
        read('{"t":"sync","id":0,"clientIds":[]}\n');
        answers.length = 0;
        let before: WireStats = h.stats();
        for (const [{ kind, line, known }, cuts] of lines) {
          counts.messages++;
          if (kind === 'near') counts.nearValid++;
          if (kind === 'long') counts.overLong++;
          const bytes = Buffer.from(line + '\n', 'utf8');
          const at = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
          const first = answers.length;
          let from = 0;
          for (const to of [...at, bytes.length]) {
            expect(() => read(bytes.subarray(from, to))).not.toThrow();
            counts.chunks++;
            from = to;
          }
          const got = answers.slice(first);
          const expected = expectation(line);
          // Nothing failed inside the venue, and at most one answer.
          for (const m of got) if (m.t === 'error') expect(m.message).not.toMatch(/^the venue failed/);
          expect(got.length).toBeLessThanOrEqual(1);
          const after = h.stats();
          if (known === 'error') expect(expected).toBe('error');
          if (known === 'reject') {
            expect(expected).toBe('valid');
            expect(orderRejected(got[0])).toBe(true);
          }
          switch (expected) {
            case 'none':
              counts.blank++;
              expect(got).toEqual([]);
              expect(after).toEqual(before);
              break;
            case 'error':
              counts.errorsAnswered++;
              expect(got).toHaveLength(1);
              expect(isErrorAnswer(got[0]!)).toBe(true);
              expect(after).toEqual(before);
              break;
            case 'valid': {
              counts.valid++;
              const answer = got[0];
              if (orderRejected(answer)) {
                counts.orderRejects++;
                // An order that breaks a venue rule: rejected; positions, open orders and other orders as they were.
                expect(after.positions).toEqual(before.positions);
                expect(after.open).toEqual(before.open);
                const others = (s: WireStats) => s.orders.filter((o) => o.clientId !== answer.r.clientId);
                expect(others(after)).toEqual(others(before));
                const mine = after.orders.find((o) => o.clientId === answer.r.clientId);
                const was = before.orders.find((o) => o.clientId === answer.r.clientId);
                expect(mine).toEqual(was ?? expect.objectContaining({ status: 'rejected' }));
              }
              break;
            }
          }
          before = after;
        }
        // Still serving: a valid order is accepted.
        const first = answers.length;
        read('{"t":"submit","order":{"clientId":"final-ok","symbol":"RB","side":1,"qty":1,"price":"1000"}}\n');
        h.clock.runUntil(h.clock.now() + 1000);
        const reports = answers.slice(first).filter((m): m is Extract<VenueMessage, { t: 'report' }> => m.t === 'report' && m.r.clientId === 'final-ok');
        expect(reports.map((m) => m.r.type)).toEqual(['order.accepted']);
        h.venue.stop();
      }),
      { seed: SEED, numRuns: RUNS },
    );
    console.log(
      `venue protocol chaos (seed ${SEED}): ${counts.runs} runs, ${counts.messages} messages (${counts.nearValid} near-valid, ${counts.overLong} over-long) in ${counts.chunks} chunks; ` +
        `${counts.errorsAnswered} errors answered, ${counts.orderRejects} order rejects, ${counts.valid} valid, ${counts.blank} blank`,
    );
    expect(counts.runs).toBe(RUNS);
    expect(counts.errorsAnswered).toBeGreaterThan(counts.messages / 2);
    expect(counts.orderRejects).toBeGreaterThan(0);
  });

  it(`answers each of the ${knownBad.length} known-bad near-valid messages as it must: a protocol error, or an order reject`, () => {
    const h = new VenueHost(config.venue as SimVenueSpec, config.run.start);
    const answers: VenueMessage[] = [];
    const read = engineReader(h, (m) => answers.push(m), (send) => h.setSink(send));
    read('{"t":"sync","id":0,"clientIds":[]}\n');
    const got: string[] = [];
    knownBad.forEach((b, n) => {
      answers.length = 0;
      const before = h.stats();
      read(JSON.stringify(mutate(validMessages[b.template]!(n), b.path, b.value, false)) + '\n');
      const a = answers[0];
      got.push(answers.length !== 1 ? `${answers.length} answers` : a && isErrorAnswer(a) ? 'error' : orderRejected(a) ? 'reject' : a!.t);
      if (b.known === 'error') expect(h.stats()).toEqual(before);
      else expect([h.stats().positions, h.stats().open]).toEqual([before.positions, before.open]);
    });
    expect(got).toEqual(knownBad.map((b) => b.known));
    h.venue.stop();
  });

  it('host.handle answers any JavaScript value once and never throws', () => {
    const h = new VenueHost(config.venue as SimVenueSpec, config.run.start);
    let values = 0;
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withTypedArray: true, withDate: true, withSparseArray: true }), (v) => {
        values++;
        const got: VenueMessage[] = [];
        expect(() => h.handle(v, (m) => got.push(m), () => {})).not.toThrow();
        expect(got.length).toBeLessThanOrEqual(1);
        if (!parseEngineMessage(v).ok) expect(got.map(isErrorAnswer)).toEqual([true]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    h.venue.stop();
    console.log(`venue protocol chaos: host.handle fed ${values} arbitrary values`);
  });
});
