import { DeadlineError } from '@tit/kit';
import { logSoftmaxInPlace, processScores, type ProcessorSettings } from './logits-processors';

// Closure alias: a global lookup (Math.fround) per candidate is slow inside jest's VM realm.
const { fround } = Math;

/**
 * The text decoder as the search algorithms see it: one decoding session over one image, with a
 * number of rows (1 for greedy, the beams for beam search). Implementations decide how to feed the
 * model (only the new token with past key/values, or the whole sequence without), so the search
 * code is shared by every decoder layout and can be tested with a fake.
 */
export interface DecoderSession {
  /** Size of the logits' last dimension. */
  readonly vocabSize: number;
  /**
   * Next-token logits of every row given each row's full sequence so far (all rows have the same
   * length). Returns rows × vocabSize float32 values.
   */
  step(sequences: readonly (readonly number[])[]): Promise<Float32Array>;
  /** Beam bookkeeping: row i of the next step continues row `sources[i]` of the last step. */
  reorder(sources: readonly number[]): void;
  /** Releases the session's buffers. */
  dispose(): void;
}

/** Fully resolved decoding settings. */
export interface SearchParams {
  readonly maxNewTokens: number;
  readonly minNewTokens: number;
  /** 1 = greedy. */
  readonly numBeams: number;
  readonly repetitionPenalty: number;
  readonly noRepeatNgramSize: number;
  /** Beam scores are divided by (generated length) ** lengthPenalty (transformers' `length_penalty`). */
  readonly lengthPenalty: number;
  /** transformers' `early_stopping`: true, false (heuristic) or 'never' (exact). */
  readonly earlyStopping: boolean | 'never';
  readonly eosTokenIds: readonly number[];
  /** Tokens every sequence starts with: the decoder start token, then an optional prompt. */
  readonly prefix: readonly number[];
}

/** What a search produced. */
export interface SearchResult {
  /** Generated tokens after the prefix, end token excluded. */
  readonly tokens: number[];
  /** Decoder runs made. */
  readonly steps: number;
  /** Greedy: sum of raw logits is meaningless, so undefined; beam search: the winning hypothesis' score. */
  readonly score?: number;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DeadlineError('caption generation stopped: the request was cancelled or its deadline passed');
}

function settings(p: SearchParams): ProcessorSettings {
  return {
    repetitionPenalty: p.repetitionPenalty,
    noRepeatNgramSize: p.noRepeatNgramSize,
    minNewTokens: p.minNewTokens,
    eosTokenIds: p.eosTokenIds,
    prefixLength: p.prefix.length,
  };
}

/** Runs greedy decoding or beam search per `params.numBeams`. */
export function search(session: DecoderSession, params: SearchParams, signal?: AbortSignal): Promise<SearchResult> {
  return params.numBeams <= 1 ? greedy(session, params, signal) : beamSearch(session, params, signal);
}

/**
 * Greedy decoding as transformers' `_sample` with `do_sample=False`: processors on the raw logits,
 * arg-max (first index on ties), stop at an end token or after `maxNewTokens`.
 */
export async function greedy(session: DecoderSession, p: SearchParams, signal?: AbortSignal): Promise<SearchResult> {
  const seq = [...p.prefix];
  const s = settings(p);
  const eos = new Set(p.eosTokenIds);
  let steps = 0;
  while (seq.length - p.prefix.length < p.maxNewTokens) {
    checkAbort(signal);
    const logits = await session.step([seq]);
    steps++;
    const row = logits.slice(0, session.vocabSize);
    processScores(row, seq, s);
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    if (eos.has(best)) break;
    seq.push(best);
  }
  return { tokens: seq.slice(p.prefix.length), steps };
}

interface Hypothesis {
  score: number;
  tokens: number[];
}

/** transformers' BeamHypotheses: the `numBeams` best finished hypotheses. */
class Hypotheses {
  readonly beams: Hypothesis[] = [];
  worstScore = 1e9;

  constructor(
    private readonly numBeams: number,
    private readonly lengthPenalty: number,
    private readonly earlyStopping: boolean | 'never',
    private readonly maxLength: number,
    private readonly prefixLength: number,
  ) {}

  add(tokens: number[], sumLogprobs: number, generatedLen: number): void {
    const score = sumLogprobs / generatedLen ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worstScore) {
      this.beams.push({ score, tokens });
      if (this.beams.length > this.numBeams) {
        const sorted = this.beams.map((b, i) => [b.score, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        this.beams.splice(sorted[0][1], 1);
        this.worstScore = sorted[1][0];
      } else {
        this.worstScore = Math.min(score, this.worstScore);
      }
    }
  }

  isDone(bestSumLogprobs: number, curLen: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    const len =
      this.earlyStopping === 'never' && this.lengthPenalty > 0 ? this.maxLength - this.prefixLength : curLen - this.prefixLength;
    return this.worstScore >= bestSumLogprobs / len ** this.lengthPenalty;
  }

  best(): Hypothesis {
    // Python's stable sort by score, then the last element: among equal scores the later-added wins.
    let best = this.beams[0];
    for (const b of this.beams) if (b.score >= best.score) best = b;
    return best;
  }
}

/**
 * Beam search with the semantics of transformers' `_beam_search` + `BeamSearchScorer` (one input,
 * one returned sequence): log-softmax, processors on the log-probabilities, beam scores added, the
 * top `max(2, 1 + #eos) × numBeams` candidates; an end token among the top `numBeams` candidates
 * closes a hypothesis scored `sum_logprobs / new_tokens ** length_penalty` (end token counted);
 * open beams are added at the end; the best hypothesis wins.
 *
 * All beams start identical, so the first step runs the decoder on one row; the other beams take
 * its scores with the -1e9 start score transformers gives them, which reproduces its choices
 * exactly (including when 2 × numBeams exceeds the vocabulary).
 */
export async function beamSearch(session: DecoderSession, p: SearchParams, signal?: AbortSignal): Promise<SearchResult> {
  const nb = p.numBeams;
  const V = session.vocabSize;
  const s = settings(p);
  const eos = new Set(p.eosTokenIds);
  const maxLength = p.prefix.length + p.maxNewTokens;
  const hyps = new Hypotheses(nb, p.lengthPenalty, p.earlyStopping, maxLength, p.prefix.length);
  const keep = Math.max(2, 1 + p.eosTokenIds.length) * nb;

  let beams: number[][] = Array.from({ length: nb }, () => [...p.prefix]);
  let beamScores: number[] = Array.from({ length: nb }, (_, i) => (i === 0 ? 0 : -1e9));
  let physicalRows = 1; // rows the session holds: 1 before the first reorder, nb after
  let steps = 0;
  let done = false;

  while (!done) {
    checkAbort(signal);
    const curLen = beams[0].length;
    const logits = await session.step(physicalRows === 1 ? [beams[0]] : beams);
    steps++;
    // Candidates (score, beam, token), best first; ties keep the lower flat index like torch.topk.
    const top = new TopK(keep);
    for (let b = 0; b < nb; b++) {
      const r = physicalRows === 1 ? 0 : b;
      const row = logits.slice(r * V, (r + 1) * V);
      logSoftmaxInPlace(row);
      processScores(row, beams[b], s);
      const base = beamScores[b];
      // float32 sums like torch's `scores + beam_scores[:, None]` (so the -1e9 beams tie as there).
      for (let t = 0; t < V; t++) top.offer(fround(row[t] + base), b * V + t);
    }
    const candidates = top.sorted();

    const nextScores: number[] = [];
    const nextTokens: number[] = [];
    const nextSources: number[] = [];
    for (let rank = 0; rank < candidates.length && nextScores.length < nb; rank++) {
      const { score, index } = candidates[rank];
      const b = Math.floor(index / V);
      const t = index % V;
      if (eos.has(t)) {
        if (rank >= nb) continue;
        // generated_len = cur_len + 1 - prompt length: the new tokens, end token included.
        hyps.add(beams[b].slice(), score, curLen + 1 - p.prefix.length);
      } else {
        nextScores.push(score);
        nextTokens.push(t);
        nextSources.push(b);
      }
    }
    if (nextScores.length < nb) {
      throw new Error(`beam search found ${nextScores.length} continuations for ${nb} beams; the vocabulary is too small`);
    }
    done = hyps.isDone(candidates[0].score, curLen + 1);

    beams = nextSources.map((src, i) => [...beams[src], nextTokens[i]]);
    beamScores = nextScores;
    session.reorder(physicalRows === 1 ? nextSources.map(() => 0) : nextSources);
    physicalRows = nb;
    if (beams[0].length >= maxLength) break;
  }

  if (!done) {
    for (let b = 0; b < nb; b++) hyps.add(beams[b], beamScores[b], beams[b].length - p.prefix.length);
  }
  const best = hyps.best();
  return { tokens: best.tokens.slice(p.prefix.length), steps, score: best.score };
}

/** Keeps the k largest (score, index) pairs; ties prefer the smaller index. */
class TopK {
  private readonly scores: number[] = [];
  private readonly indices: number[] = [];

  constructor(private readonly k: number) {}

  offer(score: number, index: number): void {
    const n = this.scores.length;
    if (n === this.k && !(score > this.scores[n - 1])) return;
    // Insertion point: after every element >= score (so equal scores keep index order).
    let i = n;
    while (i > 0 && this.scores[i - 1] < score) i--;
    this.scores.splice(i, 0, score);
    this.indices.splice(i, 0, index);
    if (this.scores.length > this.k) {
      this.scores.pop();
      this.indices.pop();
    }
  }

  sorted(): { score: number; index: number }[] {
    return this.scores.map((score, i) => ({ score, index: this.indices[i] }));
  }
}
