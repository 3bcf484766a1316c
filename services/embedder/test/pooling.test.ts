import { parsePooling, pool, type TokenEmbeddings } from '../src/domain/pooling';

// Two texts, 3 positions, 2 dims. Text 0 has 2 real tokens, text 1 has 3.
const t: TokenEmbeddings = {
  batch: 2,
  seqLen: 3,
  hidden: 2,
  // prettier-ignore
  data: Float32Array.from([
    1, 2,   3, 6,   100, -100, // text 0: the last position is padding and must not count
    -1, 4,  2, -2,  5, 1,
  ]),
  mask: Uint8Array.from([1, 1, 0, 1, 1, 1]),
};

describe('pool', () => {
  it('mean-pools over real tokens only (hand-computed)', () => {
    const v = pool(t, 'mean', false);
    expect([...v]).toEqual([2, 4, 2, 1]); // (1+3)/2, (2+6)/2 ; (-1+2+5)/3, (4-2+1)/3
  });

  it('normalizes to unit length when asked', () => {
    const v = pool(t, 'mean', true);
    const n0 = Math.hypot(2, 4);
    const n1 = Math.hypot(2, 1);
    expect(v[0]).toBeCloseTo(2 / n0, 6);
    expect(v[1]).toBeCloseTo(4 / n0, 6);
    expect(v[2]).toBeCloseTo(2 / n1, 6);
    expect(v[3]).toBeCloseTo(1 / n1, 6);
  });

  it('takes the first token for CLS pooling', () => {
    expect([...pool(t, 'cls', false)]).toEqual([1, 2, -1, 4]);
  });

  it('takes the max over real tokens for max pooling', () => {
    expect([...pool(t, 'max', false)]).toEqual([3, 6, 5, 4]);
  });

  it('leaves an all-zero vector at zero instead of dividing by zero', () => {
    const z: TokenEmbeddings = { batch: 1, seqLen: 1, hidden: 2, data: new Float32Array(2), mask: Uint8Array.from([1]) };
    expect([...pool(z, 'mean', true)]).toEqual([0, 0]);
  });
});

describe('parsePooling', () => {
  const base = {
    word_embedding_dimension: 384,
    pooling_mode_cls_token: false,
    pooling_mode_mean_tokens: false,
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false,
  };
  it('reads the one enabled mode', () => {
    expect(parsePooling({ ...base, pooling_mode_mean_tokens: true })).toBe('mean');
    expect(parsePooling({ ...base, pooling_mode_cls_token: true })).toBe('cls');
    expect(parsePooling({ ...base, pooling_mode_max_tokens: true })).toBe('max');
  });
  it('refuses combined, unsupported or missing modes', () => {
    expect(() => parsePooling({ ...base, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: true })).toThrow(
      /pooling_mode_mean_tokens \+ pooling_mode_max_tokens/,
    );
    expect(() => parsePooling({ ...base, pooling_mode_mean_sqrt_len_tokens: true })).toThrow(/supports exactly one/);
    expect(() => parsePooling(base)).toThrow(/no mode/);
  });
});
