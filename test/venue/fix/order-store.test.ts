import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileReadError } from '../../../src/io/read-file.js';
import { orderStoreRecord, readOrderStore } from '../../../src/venue/fix/order-store.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'legato-order-store-'));

describe("the FIX store's orders.jsonl, read back at a restart", () => {
  it('gives the records we write, in file order, and none for a missing file', () => {
    const d = dir();
    const file = join(d, 'orders.jsonl');
    expect(readOrderStore(file)).toEqual({ records: [], skipped: 0 });
    writeFileSync(file, ['{"c":"S/1.1","s":"HC","d":1,"q":3}', '{"r":"S/1.1~r1","b":"S/1.1"}', '{"k":"S/1.1~r1","b":"S/1.1","q":2}', '{"k":"S/1.1~r2","b":"S/1.1"}', '{"c":"S/1.2","s":"RB","d":-1,"q":1'].join('\n'));
    expect(readOrderStore(file)).toEqual({
      records: [
        { kind: 'order', clientId: 'S/1.1', symbol: 'HC', side: 1, qty: 3 },
        { kind: 'replaceSent', clOrdId: 'S/1.1~r1', clientId: 'S/1.1' },
        { kind: 'replaced', clOrdId: 'S/1.1~r1', clientId: 'S/1.1', qty: 2 },
        { kind: 'replaced', clOrdId: 'S/1.1~r2', clientId: 'S/1.1', qty: undefined },
      ],
      // The torn last line.
      skipped: 1,
    });
  });

  it('skips a record whose fields are not what we write (was: loaded with the wrong types: a symbol 5, a side "buy", lots "3")', () => {
    for (const line of [
      '{"c":"S/1.1","s":5,"d":1,"q":3}',
      '{"c":"S/1.1","s":"HC","d":"buy","q":3}',
      '{"c":"S/1.1","s":"HC","d":1,"q":"3"}',
      '{"c":"S/1.1","s":"HC","d":1,"q":0.5}',
      '{"c":"S/1.1","s":"","d":1,"q":3}',
      `{"c":"${'x'.repeat(513)}","s":"HC","d":1,"q":3}`,
      '{"r":7,"b":"S/1.1"}',
      '{"k":"S/1.1~r1","b":"S/1.1","q":-2}',
      '[1,2]',
      'null',
      '{}',
    ]) {
      expect(orderStoreRecord(line), line).toBeUndefined();
    }
    const file = join(dir(), 'orders.jsonl');
    writeFileSync(file, '{"c":"S/1.1","s":5,"d":1,"q":3}\n{"c":"S/1.2","s":"RB","d":-1,"q":1}\n');
    expect(readOrderStore(file)).toEqual({ records: [{ kind: 'order', clientId: 'S/1.2', symbol: 'RB', side: -1, qty: 1 }], skipped: 1 });
  });

  it('refuses a FIFO or a device by name instead of waiting on it (was: readFileSync waited for a writer for ever, the connect hung)', () => {
    const fifo = join(dir(), 'orders.jsonl');
    execFileSync('mkfifo', [fifo]);
    expect(() => readOrderStore(fifo)).toThrow(FileReadError);
    expect(() => readOrderStore(fifo)).toThrow('is a FIFO, not a regular file');
    expect(() => readOrderStore('/dev/zero')).toThrow('is a device, not a regular file');
  });
});
