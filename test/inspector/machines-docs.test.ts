import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machineDiagram, machineFiles, toJson, toMermaid, DIAGRAM_FORMATS } from '../../src/inspector/index.js';
import { sessionMachine, strategyMachine } from '../../src/index.js';

describe('machine diagrams', () => {
  it('docs/machines is what `npm run machines` generates from the machines (fails on drift)', async () => {
    const files = await machineFiles(DIAGRAM_FORMATS);
    const onDisk = readdirSync('docs/machines').sort();
    expect(onDisk, 'docs/machines has other files than the generator writes: run `npm run machines`').toEqual([...files.keys()].sort());
    for (const [name, text] of files) {
      expect(readFileSync(`docs/machines/${name}`, 'utf8') === text, `docs/machines/${name} drifted from the machines: run \`npm run machines\``).toBe(true);
    }
  });

  it('the session machine as Mermaid: its states, its initial states and every transition with a target', () => {
    expect(toMermaid(machineDiagram(sessionMachine))).toBe(
      [
        'stateDiagram-v2',
        '[*] --> session_deciding',
        'state "deciding" as session_deciding',
        'state "closed" as session_closed',
        'state "open" as session_open {',
        '  [*] --> session_open_entering',
        '  state "entering" as session_open_entering',
        '  state "continuous" as session_open_continuous',
        '  state "trading" as session_open_trading',
        '  state "closing" as session_open_closing',
        '  session_open_entering --> session_open_closing : always [isWithinClosingLead]',
        '  session_open_entering --> session_open_continuous : always [neverCloses]',
        '  session_open_entering --> session_open_trading : always',
        '  session_open_trading --> session_open_closing : after untilClosing',
        '}',
        'session --> session_deciding : engine.resumed',
        'session_deciding --> session_open : always [isOpenNow]',
        'session_deciding --> session_closed : always',
        'session_closed --> session_open : after untilOpen',
        'session_open_closing --> session_closed : after untilClose',
        '',
      ].join('\n'),
    );
  });

  it("the strategy's transition table names guards, targets and actions as the machine declares them", () => {
    const table = JSON.parse(toJson(machineDiagram(strategyMachine))) as { initial: string; transitions: { source: string; event: string; guard: string | null; targets: string[]; actions: string[] }[] };
    expect(table.initial).toBe('deciding');
    expect(table.transitions).toContainEqual({ source: 'flat.idle', event: 'always', guard: 'wantsLongEntry', targets: ['flat.working'], actions: ['launchAlgo', 'sendLaunch'], reenter: false });
    expect(table.transitions).toContainEqual({ source: '', event: 'spread.quoted', guard: null, targets: [], actions: ['storeMarket', 'forwardToAlgo'], reenter: false });
    expect(table.transitions.filter((t) => t.event === 'stop.requested')).toEqual([{ source: '', event: 'stop.requested', guard: null, targets: ['stopping'], actions: [], reenter: false }]);
  });
});
