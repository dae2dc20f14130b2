import { describe, expect, it } from 'vitest';
import { SerialByKey } from '../../../src/services/serial-by-key.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SerialByKey', () => {
  it('runs one key’s work in order, other keys beside it, without the caller waiting', async () => {
    const serial = new SerialByKey<string>();
    const log: string[] = [];
    let releaseA1 = () => {};
    serial.add('a', () => new Promise<void>((resolve) => (releaseA1 = () => (log.push('a1'), resolve()))));
    serial.add('a', async () => void log.push('a2'));
    serial.add('b', async () => void log.push('b1'));
    await tick();
    expect(log).toEqual(['b1']);
    releaseA1();
    await serial.settled();
    expect(log).toEqual(['b1', 'a1', 'a2']);
  });

  it('settles only once work queued while waiting is done too', async () => {
    const serial = new SerialByKey<number>();
    const log: number[] = [];
    serial.add(1, async () => {
      await tick();
      log.push(1);
      serial.add(2, async () => void log.push(2));
    });
    await serial.settled();
    expect(log).toEqual([1, 2]);
  });
});
