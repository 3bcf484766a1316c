import { ConfigError, env, loadConfig } from '../src';

const schema = {
  PORT: env.port(8080),
  THREADS: env.int(2, 1, 64),
  MODE: env.oneOf(['fast', 'exact'] as const, 'exact'),
  REDIS_URL: env.url('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
  TARGET: env.address('127.0.0.1:50051'),
  VERBOSE: env.bool(false),
  NAME: env.string(),
};

describe('loadConfig', () => {
  it('applies defaults, parses values and freezes the result', () => {
    const cfg = loadConfig('svc', schema, { NAME: 'x', THREADS: '4', VERBOSE: 'yes', TARGET: 'dns:///embedder:50051' });
    expect(cfg).toEqual({
      PORT: 8080,
      THREADS: 4,
      MODE: 'exact',
      REDIS_URL: 'redis://127.0.0.1:6379',
      TARGET: 'dns:///embedder:50051',
      VERBOSE: true,
      NAME: 'x',
    });
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('lists every invalid variable in one error', () => {
    let err: unknown;
    try {
      loadConfig('svc', schema, {
        PORT: '70000',
        THREADS: 'many',
        MODE: 'slow',
        REDIS_URL: 'http://x',
        TARGET: 'no port',
        VERBOSE: 'maybe',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['MODE', 'NAME', 'PORT', 'REDIS_URL', 'TARGET', 'THREADS', 'VERBOSE'].sort(),
    );
    const message = (err as ConfigError).message;
    expect(message).toContain('PORT: must be between 0 and 65535 (got "70000")');
    expect(message).toContain('NAME: is required');
    expect(message).toContain('MODE: must be one of fast, exact');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig('svc', schema, { NAME: 'x', PORT: '' }).PORT).toBe(8080);
  });
});
