/** Small browser helpers: navigation, reading an uploaded file (with the Dashboard's words for the limit). */
import { readTextFile as readFileWithin } from '@tessera/web-kit/files';
import { useEffect, useState } from 'react';

const listeners = new Set<() => void>();

export function navigate(path: string): void {
  if (path !== location.pathname) history.pushState(null, '', path);
  for (const l of listeners) l();
}

/** The location path, following pushState navigation and the back button. */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** The text of a license, Sync or Report file the user chose (at most 1 MB, as the server takes). */
export function readTextFile(file: File): Promise<string> {
  return readFileWithin(file, 'a license file is at most 1 MB');
}
