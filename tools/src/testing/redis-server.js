// @ts-check
/**
 * Jest global setup/teardown: makes sure tests have a Redis. When REDIS_URL (or 127.0.0.1:6379)
 * answers PING it is used; otherwise a `redis-server` found on PATH is started on a free port with
 * persistence off and REDIS_URL is set for every test worker. Without either, tests fail with a
 * message that says what to install. Plain JS: jest loads global setup files untransformed.
 */
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');

/** @param {string} url */
function ping(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (/** @type {boolean} */ ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
    srv.on('error', reject);
  });
}

async function setup() {
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (await ping(url)) {
    process.env.REDIS_URL = url;
    return;
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      `No Redis answers at ${url} and no redis-server is on PATH. Install one (apt-get install redis-server, ` +
        'brew install redis) or set REDIS_URL to a reachable Redis.',
    );
  }
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
    detached: false,
  });
  /** @type {any} */ (globalThis).__TEST_REDIS__ = child;
  const started = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await ping(started)) {
      process.env.REDIS_URL = started;
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`started redis-server on port ${port} but it does not answer`);
}

async function teardown() {
  const child = /** @type {any} */ (globalThis).__TEST_REDIS__;
  if (child) child.kill('SIGTERM');
}

module.exports = { setup, teardown, ping };
