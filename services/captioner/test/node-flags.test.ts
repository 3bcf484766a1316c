import { CAPTIONER_NODE_FLAGS, missingNodeFlags } from '../src/node-flags';

describe('captioner node flags', () => {
  it('asks for single-threaded garbage collection and a gc() the model loader can call', () => {
    expect(CAPTIONER_NODE_FLAGS).toEqual(['--single-threaded-gc', '--expose-gc']);
  });

  it('names the flags a process was started without', () => {
    expect(missingNodeFlags(['--import', 'tsx'])).toEqual(['--single-threaded-gc', '--expose-gc']);
    expect(missingNodeFlags(['--expose-gc', '--import', 'tsx'])).toEqual(['--single-threaded-gc']);
    expect(missingNodeFlags(['--single-threaded-gc', '--expose-gc', '--import', 'tsx'])).toEqual([]);
  });
});
