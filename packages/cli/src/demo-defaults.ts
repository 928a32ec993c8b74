/**
 * The embedded defaults of `tessera demo`, in one place, and apart from its code so that
 * parsing the demo's flags loads nothing else.
 */
export const DEMO_DEFAULTS = {
  clientPort: 7569,
  adminPort: 7570,
  cloudPort: 8600,
  /** Short lease times, so that a demo stopped with kill -9 frees its seats soon. */
  leaseSeconds: 60,
  heartbeatSeconds: 15,
  /** The customer in the Cloud, and its entitlements (one per feature; counts tell them apart). */
  customer: 'Demo Customer',
  /** Perpetual, maintenance a year ahead: one deployment, one license file. */
  mainLicense: { features: { asr: 10, tts: 4 }, maintenanceDays: 365 },
  /** An old contract: its maintenance ended long ago, so only old releases may use it. Its own license. */
  oldLicense: { features: { asr: 2 }, maintenanceDays: -3 * 365 },
  /** Subscription seats served by the Cloud itself, for a term of a year. */
  subscription: { feature: 'asr', count: 4, termDays: 365 },
  /** A flexible entitlement, of which the demo's flexible License Server is allocated some. */
  flexible: { feature: 'tts', count: 6, allocated: 3 },
  /** The flexible License Server's ports (busy ones fall back to any free one). */
  flexibleClientPort: 7571,
  flexibleAdminPort: 7572,
} as const;
