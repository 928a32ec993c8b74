import type { CheckoutRequest, ErrorCode, FeaturesResponse } from '@tessera/core';
import type { SeatCheckout, SeatHeartbeat, SeatProvider } from '@tessera/service-kit';
import type { AccountContext } from '../../domain/account-service.js';
import type { SeatService } from '../../domain/seat-service.js';

/**
 * A Cloud node's seats for the client protocol: the subscription seats of the calling
 * account's customer, from the seat service. While the database is away, checkouts and
 * features answer 503 and heartbeats are answered from memory (the service decides).
 */
export class CloudSeats implements SeatProvider<AccountContext> {
  readonly checkoutRefusals: readonly ErrorCode[] = [
    'NO_SEATS',
    'UNKNOWN_FEATURE',
    'LICENSE_EXPIRED',
    'MAINTENANCE_EXPIRED',
    'CLOCK_TAMPERED',
    'UNAVAILABLE',
  ];

  constructor(private readonly seats: SeatService) {}

  checkout(account: AccountContext, request: CheckoutRequest): Promise<SeatCheckout> {
    return this.seats.checkout(account, request);
  }

  heartbeat(account: AccountContext, leaseId: string): Promise<SeatHeartbeat> {
    return this.seats.heartbeat(account, leaseId);
  }

  release(account: AccountContext, leaseId: string): Promise<void> {
    return this.seats.release(account, leaseId);
  }

  features(account: AccountContext): Promise<FeaturesResponse> {
    return this.seats.features(account);
  }
}
