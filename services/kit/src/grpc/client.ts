import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { requestMetadata } from './request-context';

/**
 * Channel options for every client. round_robin spreads calls over every address the resolver
 * returns (a Kubernetes headless Service's pod IPs via dns:///, or an `ipv4:a:p1,b:p2` list), which
 * a plain ClusterIP cannot do for long-lived HTTP/2 connections. Keepalive notices dead peers.
 */
export const CLIENT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.dns_min_time_between_resolutions_ms': 5_000,
};

type ClientCtor<C> = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => C;

/** A client for `target` with the project's channel options (plaintext inside the cluster). */
export function createClient<C extends grpc.Client>(ctor: ClientCtor<C>, target: string): C {
  return new ctor(target, grpc.credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
}

/** Options of one call: every call has a deadline. */
export interface CallOptions {
  /** Milliseconds from now, or an absolute Date. */
  deadline: number | Date;
  requestId?: string;
  signal?: AbortSignal;
}

type UnaryMethod<Req, Res> = (argument: Req, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;
type FullUnary<Req, Res> = (
  argument: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

function deadlineOf(d: number | Date): Date {
  return d instanceof Date ? d : new Date(Date.now() + d);
}

/**
 * Calls a unary method as a promise with a deadline and the request id in metadata.
 * Usage: `await unaryCall(client, client.embed.bind(client), { texts }, { deadline: 2000, requestId })`.
 */
export function unaryCall<Req, Res>(
  client: grpc.Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  opts: CallOptions,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const onAbort = (): void => call.cancel();
    const call = (method as unknown as FullUnary<Req, Res>).call(
      client,
      request,
      requestMetadata(opts.requestId),
      { deadline: deadlineOf(opts.deadline) },
      (err, res) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res as Res);
      },
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface HealthClient extends grpc.Client {
  check(
    req: { service: string },
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: grpc.requestCallback<{ status: string }>,
  ): grpc.ClientUnaryCall;
}

let healthCtor: ClientCtor<HealthClient> | undefined;
function healthClientCtor(): ClientCtor<HealthClient> {
  if (!healthCtor) {
    const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      grpc: { health: { v1: { Health: ClientCtor<HealthClient> } } };
    };
    healthCtor = pkg.grpc.health.v1.Health;
  }
  return healthCtor;
}

/** A grpc.health.v1 client for `target` (callers close it when done). */
export function createHealthClient(target: string): HealthClient {
  return createClient(healthClientCtor(), target);
}

/** Asks `target` for its health; resolves to SERVING, NOT_SERVING, UNKNOWN or UNREACHABLE. */
export async function checkHealth(
  target: string | HealthClient,
  service = '',
  deadline = 1000,
): Promise<'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'UNREACHABLE'> {
  const client = typeof target === 'string' ? createHealthClient(target) : target;
  try {
    const res = await new Promise<{ status: string }>((resolve, reject) =>
      client.check({ service }, new grpc.Metadata(), { deadline: deadlineOf(deadline) }, (err, r) =>
        err ? reject(err) : resolve(r as { status: string }),
      ),
    );
    return res.status as 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN';
  } catch {
    return 'UNREACHABLE';
  } finally {
    if (typeof target === 'string') client.close();
  }
}
