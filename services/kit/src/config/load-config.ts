/**
 * Environment validation, done once at start-up. Each service declares a schema of variables;
 * `loadConfig` parses all of them, collects every problem, and throws one ConfigError listing them
 * all, so an operator fixes a deployment in one round trip. The result is frozen.
 *
 * This folder is the only place in the project that reads `process.env` (see `processEnv`).
 */

/** A parser turns a raw string (or undefined when unset) into a value, or throws with a reason. */
export type Parser<T> = (raw: string | undefined, name: string) => T;

export type Schema = Record<string, Parser<unknown>>;
export type ConfigOf<S extends Schema> = { readonly [K in keyof S]: ReturnType<S[K]> };

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration for ${service}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

class InvalidValue extends Error {}

const fail = (message: string): never => {
  throw new InvalidValue(message);
};

/** Reads the process environment. The single sanctioned access point. */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/**
 * Parses `env` against `schema`. Throws a ConfigError listing every invalid variable.
 * @param service name used in the error message
 */
export function loadConfig<S extends Schema>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = processEnv(),
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, parse] of Object.entries(schema)) {
    const raw = env[name];
    try {
      out[name] = parse(raw === '' ? undefined : raw, name);
    } catch (err) {
      if (!(err instanceof InvalidValue)) throw err;
      problems.push(`${name}: ${err.message}${raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(service, problems);
  return Object.freeze(out) as ConfigOf<S>;
}

/** Parsers for the variable kinds the services use. `def` is the default when unset. */
export const env = {
  string(def?: string): Parser<string> {
    return (raw) => raw ?? def ?? fail('is required');
  },
  optionalString(): Parser<string | undefined> {
    return (raw) => raw;
  },
  int(def: number | undefined, min = -Infinity, max = Infinity): Parser<number> {
    return (raw) => {
      if (raw === undefined) return def ?? fail('is required');
      if (!/^-?\d+$/.test(raw.trim())) return fail('must be an integer');
      const n = Number(raw);
      if (n < min || n > max) return fail(`must be between ${min} and ${max}`);
      return n;
    };
  },
  number(def: number | undefined, min = -Infinity, max = Infinity): Parser<number> {
    return (raw) => {
      if (raw === undefined) return def ?? fail('is required');
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) return fail('must be a number');
      if (n < min || n > max) return fail(`must be between ${min} and ${max}`);
      return n;
    };
  },
  port(def: number): Parser<number> {
    return env.int(def, 0, 65535);
  },
  bool(def: boolean): Parser<boolean> {
    return (raw) => {
      if (raw === undefined) return def;
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      return fail('must be true or false');
    };
  },
  oneOf<T extends string>(values: readonly T[], def: T): Parser<T> {
    return (raw) => {
      if (raw === undefined) return def;
      return (values as readonly string[]).includes(raw) ? (raw as T) : fail(`must be one of ${values.join(', ')}`);
    };
  },
  url(def: string, protocols: readonly string[]): Parser<string> {
    return (raw) => {
      const v = raw ?? def;
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        return fail('must be a URL');
      }
      if (!protocols.includes(u.protocol)) return fail(`must use ${protocols.join(' or ')}`);
      return v;
    };
  },
  /** A gRPC target: host:port, or a grpc-js URI such as dns:///search:50051. */
  address(def: string): Parser<string> {
    return (raw) => {
      const v = raw ?? def;
      if (/^(dns|ipv4|ipv6|unix):/.test(v) || /^[\w.-]+:\d{1,5}$/.test(v) || /^\[[\da-f:]+\]:\d{1,5}$/i.test(v))
        return v;
      return fail('must be host:port or a gRPC target URI (dns:///host:port)');
    };
  },
  list(def: readonly string[]): Parser<string[]> {
    return (raw) =>
      raw === undefined
        ? [...def]
        : raw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
  },
  logLevel(): Parser<string> {
    return env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info');
  },
} as const;
