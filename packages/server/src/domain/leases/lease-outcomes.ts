import type { CheckoutResponse, LeaseGoneReason } from '@tessera/core';

/** What the lease engine answers and tells its listeners. */

export type CheckoutOutcome =
  | { ok: true; lease: CheckoutResponse }
  | {
      ok: false;
      code: 'NO_SEATS' | 'UNKNOWN_FEATURE' | 'LICENSE_EXPIRED' | 'MAINTENANCE_EXPIRED' | 'CLOCK_TAMPERED';
      message: string;
    };

export type HeartbeatOutcome = { ok: true; expiresAt: string } | { ok: false; reason: LeaseGoneReason };

export type EngineEvent =
  | { kind: 'granted'; feature: string; count: number; leaseId: string }
  | { kind: 'denied'; feature: string; count: number; code: string }
  | { kind: 'ended'; feature: string; count: number; leaseId: string; reason: LeaseGoneReason };

/** A license-changing write that must commit with the engine's own changes. */
export type ExtraWrite = () => void;
