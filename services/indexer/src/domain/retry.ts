import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeadlineError,
  FailedPreconditionError,
  InvalidInputError,
  NotFoundError,
  OverloadedError,
  TooLargeError,
  UnavailableError,
  type Logger,
} from '@tit/kit';
import type { Dependency, HealthPort } from './ports';

/** In-process retries of one call before the job attempt itself fails (and BullMQ retries it). */
export interface RetryPolicy {
  /** Tries of one call, the first included. */
  attempts: number;
  /** First back-off; doubles each retry. */
  baseMs: number;
  /** Longest back-off. */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 250, maxMs: 8000 };

/** Thrown when the worker is shutting down: the job goes back to the queue, no attempt is spent. */
export class JobStoppedError extends Error {
  constructor() {
    super('worker is shutting down; the job will continue from its last chunk');
    this.name = 'JobStoppedError';
  }
}

/** UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED (overloaded): the same call may succeed later. */
export function isTransient(err: unknown): boolean {
  return err instanceof UnavailableError || err instanceof DeadlineError || err instanceof OverloadedError;
}

/**
 * Bad data or a bad request (unreadable dataset, unknown split or model, text over a limit):
 * retrying cannot fix it, so the job fails at once with this error's message as its reason.
 */
export function isPermanent(err: unknown): err is Error {
  return (
    err instanceof InvalidInputError || err instanceof NotFoundError || err instanceof FailedPreconditionError || err instanceof TooLargeError
  );
}

/** Back-off before retry `n` (1-based): exponential with full jitter, capped. */
export function backoffMs(policy: RetryPolicy, n: number, random = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export interface RetryContext {
  health: HealthPort;
  policy: RetryPolicy;
  log: Logger;
  signal?: AbortSignal;
}

/** Sleeps `ms`, turning a shutdown into JobStoppedError. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch {
    throw new JobStoppedError();
  }
}

/** Waits for `dep` to be SERVING, turning a shutdown into JobStoppedError. */
export async function waitFor(dep: Dependency, ctx: Pick<RetryContext, 'health' | 'signal'>): Promise<void> {
  if (ctx.signal?.aborted) throw new JobStoppedError();
  try {
    await ctx.health.waitUntilServing(dep, ctx.signal);
  } catch (err) {
    if (ctx.signal?.aborted) throw new JobStoppedError();
    throw err;
  }
}

/**
 * Runs `fn`, retrying transient failures with exponential back-off. After UNAVAILABLE it first
 * waits until `dep` reports SERVING again (a restarting or loading service is waited for, not
 * counted against the job). Other errors, and the last transient one, are thrown.
 */
export async function withRetry<T>(dep: Dependency, what: string, fn: () => Promise<T>, ctx: RetryContext): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) || attempt >= ctx.policy.attempts) throw err;
      if (ctx.signal?.aborted) throw new JobStoppedError();
      const wait = backoffMs(ctx.policy, attempt);
      ctx.log.warn({ dep, call: what, attempt, retryInMs: wait, err: (err as Error).message }, 'transient failure, retrying');
      if (err instanceof UnavailableError) await waitFor(dep, ctx);
      await pause(wait, ctx.signal);
    }
  }
}
