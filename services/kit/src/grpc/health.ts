import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Server } from '@grpc/grpc-js';

/**
 * The standard grpc.health.v1 service for one process. The overall status ('') and each named
 * service move together: NOT_SERVING while loading or draining, SERVING only when work can be done.
 */
export class Health {
  private readonly impl: HealthImplementation;
  private current: ServingStatus = 'NOT_SERVING';

  constructor(private readonly services: readonly string[]) {
    this.impl = new HealthImplementation(Object.fromEntries(['', ...services].map((s) => [s, 'NOT_SERVING'])));
  }

  addToServer(server: Server): void {
    this.impl.addToServer(server);
  }

  get status(): ServingStatus {
    return this.current;
  }

  set(status: ServingStatus): void {
    this.current = status;
    for (const s of ['', ...this.services]) this.impl.setStatus(s, status);
  }
}
