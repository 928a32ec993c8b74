/** Small browser helpers: navigation, downloads, reading an uploaded file. */
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

/** Saves `text` as a file named `name` through the browser's download. */
export function downloadText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Largest file the server takes as a document (core's MAX_DOCUMENT_BYTES). */
export const MAX_FILE_BYTES = 1024 * 1024;

export async function readTextFile(file: File): Promise<string> {
  if (file.size > MAX_FILE_BYTES) {
    throw Object.assign(
      new Error(`${file.name} is ${Math.round(file.size / 1024)} KB; a license file is at most 1 MB`),
      {
        code: 'PAYLOAD_TOO_LARGE',
      },
    );
  }
  return file.text();
}
