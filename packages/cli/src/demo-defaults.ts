/**
 * The embedded defaults of `tessera demo`, in one place, and apart from its code so that
 * parsing the demo's flags loads nothing else.
 */
export const DEMO_DEFAULTS = {
  clientPort: 7569,
  adminPort: 7570,
  /** Short lease times, so that a demo stopped with kill -9 frees its seats soon. */
  leaseSeconds: 60,
  heartbeatSeconds: 15,
  mainLicense: { customer: 'Demo Customer', features: { asr: 10, tts: 4 }, maintenanceDays: 365 },
  /** An old contract: its maintenance ended long ago, so only old releases may use it. */
  oldLicense: { customer: 'Demo Customer (2021 contract)', features: { asr: 2 }, maintenanceDays: -3 * 365 },
} as const;
