import net from 'node:net';

/**
 * Resolves to undefined when a Redis server answers PING at `url`, or to a one-line explanation with
 * how to start one. Plain socket, so the check works before any client library is configured.
 */
export async function redisProblem(url: string, timeoutMs = 1500): Promise<string | undefined> {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 6379);
  const answer = await new Promise<string>((resolve) => {
    const socket = net.connect({ host, port });
    const done = (v: string): void => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.on('error', (err) => done(err.message));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString()));
  });
  if (answer.startsWith('+PONG') || answer.startsWith('-NOAUTH')) return undefined;
  return (
    `Redis is not reachable at ${host}:${port} (${answer.trim()}). Start one with ` +
    '`redis-server --daemonize yes` (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) ' +
    'or `docker run -d -p 6379:6379 redis:7`, or set REDIS_URL.'
  );
}
