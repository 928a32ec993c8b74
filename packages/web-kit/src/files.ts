/** Files in the browser: saving a document the server made, reading one the user chose. */

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
  // Revoked later, not at once: the browser may still be reading the blob for the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Largest file either server takes as a document (core's MAX_DOCUMENT_BYTES). */
export const MAX_FILE_BYTES = 1024 * 1024;

/**
 * The text of a file the user chose; a file larger than {@link MAX_FILE_BYTES} is refused here, with
 * the code the server would answer, rather than uploaded to be refused.
 * @param limit how the app words the limit, after the file's name and size
 */
export async function readTextFile(file: File, limit = 'Tessera files are at most 1 MB'): Promise<string> {
  if (file.size > MAX_FILE_BYTES) {
    throw Object.assign(new Error(`${file.name} is ${Math.round(file.size / 1024)} KB; ${limit}`), {
      code: 'PAYLOAD_TOO_LARGE',
    });
  }
  return file.text();
}
