import type { Redis } from 'ioredis';
import type { Health, Logger } from '@tit/kit';

/**
 * Makes the health status follow the Redis connection after start-up: NOT_SERVING while it is
 * lost (the worker cannot take or finish jobs), SERVING when it is back. `active()` is true only
 * between the end of warm-up and the start of shutdown, so a reconnect can neither announce a
 * process that is still starting nor flip a draining one back to SERVING.
 */
export function followRedis(redis: Redis, health: Health, log: Logger, active: () => boolean): void {
  redis.on('ready', () => {
    if (!active() || health.status === 'SERVING') return;
    log.info('redis connection is back');
    health.set('SERVING');
  });
  redis.on('close', () => {
    if (!active() || health.status !== 'SERVING') return;
    log.warn('redis connection lost');
    health.set('NOT_SERVING');
  });
}
