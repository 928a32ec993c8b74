import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The PostgreSQL backend processes serving one client process, found through /proc (Linux):
 * the client's TCP sockets give its local ports, and a backend's title ("postgres: ...
 * 127.0.0.1(PORT) ...") names the port of the client it serves. Their CPU time is the
 * database's own work for that client, which neither the client's CPU nor wall time on a
 * busy box shows.
 */
export function backendsOf(clientPid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${clientPid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${clientPid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9]!)) ports.add(Number.parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const title = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const m = /^postgres: .*\((\d+)\)/.exec(title);
      if (m && ports.has(Number(m[1]))) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  return pids;
}

/** CPU time (utime + stime) of processes, in ms (10 ms ticks). */
export function cpuMsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
      ticks += Number(rest[11]) + Number(rest[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10;
}
