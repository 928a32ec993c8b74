import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import type { RawFactors } from '@tessera/core';

/**
 * Reads this machine's hardware factors (docs/security.md). A factor that cannot be read is left
 * out: it neither matches nor mismatches later. Only physical NICs count (those backed by a
 * device), so docker bridges and veths that come and go do not change the MAC factor.
 */
export function readMachineFactors(): RawFactors {
  const f: RawFactors = {};
  const machineId = readTrimmed('/etc/machine-id') ?? readTrimmed('/var/lib/dbus/machine-id');
  if (machineId) f.machineId = machineId;
  const macs = physicalMacs();
  if (macs.length > 0) f.macs = macs.join(',');
  const cpuList = cpus();
  if (cpuList.length > 0) f.cpu = `${cpuList[0]?.model.trim() ?? 'unknown'} x${cpuList.length}`;
  const uuid = readTrimmed('/sys/class/dmi/id/product_uuid');
  if (uuid) f.productUuid = uuid.toLowerCase();
  const rootFs = rootFilesystemId();
  if (rootFs) f.rootFsId = rootFs;
  const host = hostname();
  if (host) f.hostname = host;
  return f;
}

function readTrimmed(path: string): string | undefined {
  try {
    const s = readFileSync(path, 'utf8').trim();
    return s.length > 0 ? s : undefined;
  } catch {
    return undefined;
  }
}

function physicalMacs(): string[] {
  const base = '/sys/class/net';
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  const macs: string[] = [];
  for (const name of names) {
    try {
      statSync(join(base, name, 'device'));
    } catch {
      continue; // virtual interface: no backing device
    }
    const mac = readTrimmed(join(base, name, 'address'));
    if (mac && mac !== '00:00:00:00:00:00') macs.push(mac.toLowerCase());
  }
  return macs.sort();
}

/** The UUID of the filesystem mounted at `/`, found through /dev/disk/by-uuid; else its device number. */
function rootFilesystemId(): string | undefined {
  const source = rootMountSource();
  if (source?.startsWith('/dev/')) {
    try {
      for (const uuid of readdirSync('/dev/disk/by-uuid')) {
        const target = readlinkSync(join('/dev/disk/by-uuid', uuid));
        if (target.split('/').pop() === source.split('/').pop()) return uuid;
      }
    } catch {
      // no by-uuid directory (containers): fall through
    }
  }
  try {
    return `dev:${statSync('/').dev}`;
  } catch {
    return undefined;
  }
}

function rootMountSource(): string | undefined {
  const info = readTrimmed('/proc/self/mountinfo');
  if (!info) return undefined;
  for (const line of info.split('\n')) {
    const parts = line.split(' ');
    if (parts[4] !== '/') continue;
    const dash = parts.indexOf('-');
    return dash >= 0 ? parts[dash + 2] : undefined;
  }
  return undefined;
}
