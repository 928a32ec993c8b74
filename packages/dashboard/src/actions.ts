/**
 * The license buttons along the right side, per server mode (the seed's screen). Perpetual
 * servers get the file buttons; flexible and PLS servers Resync Info; an ALS (no Cloud
 * access) Create Report File and Import Sync File; a PLS also Send Report File. The column
 * renders each id it has an implementation for, in the order decided here.
 */
import type { Role, ServerMode } from './types.js';

export type ActionId =
  | 'makeServerId'
  | 'install'
  | 'uninstall'
  | 'renew'
  | 'website'
  // flexible / ALS / PLS
  | 'resync'
  | 'createReport'
  | 'sendReport'
  | 'importSync';

export const ACTION_LABELS: Record<ActionId, string> = {
  makeServerId: 'Make Server ID File',
  install: 'Install License',
  uninstall: 'Uninstall License',
  renew: 'Renew License',
  website: 'Go To Website',
  resync: 'Resync Info',
  createReport: 'Create Report File',
  sendReport: 'Send Report File',
  importSync: 'Import Sync File',
};

/** Least role that may press each button (Go To Website changes nothing). */
export const ACTION_ROLES: Record<ActionId, Role> = {
  makeServerId: 'manage',
  install: 'manage',
  uninstall: 'manage',
  renew: 'manage',
  website: 'view',
  resync: 'manage',
  createReport: 'manage',
  sendReport: 'manage',
  importSync: 'manage',
};

/**
 * The column, top to bottom, in groups (a rule between groups). The sync indicator (last
 * successful sync) goes below the buttons in the modes that sync.
 */
export const ACTIONS_BY_MODE: Record<ServerMode, { groups: ActionId[][]; syncIndicator: boolean }> = {
  perpetual: { groups: [['makeServerId', 'install', 'uninstall', 'renew'], ['website']], syncIndicator: false },
  flexible: { groups: [['resync'], ['website']], syncIndicator: true },
  als: { groups: [['createReport', 'importSync'], ['website']], syncIndicator: true },
  pls: { groups: [['resync'], ['website'], ['sendReport']], syncIndicator: true },
};
