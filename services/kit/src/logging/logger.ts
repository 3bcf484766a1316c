import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The root logger of a process: JSON lines to stdout with the service name on every line.
 * Authorization headers and API keys are redacted; callers never log image bytes or vectors.
 */
export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'apiKey', '*.apiKey'],
        censor: '[redacted]',
      },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
