/**
 * Reading a Tessera document (a license, a Server ID file, a certificate, a Report or Sync
 * file) the user picked, for upload. The size limit is core's `MAX_DOCUMENT_BYTES`, which
 * every server applies; it is repeated here because the UIs' builds do not take core (it
 * needs Node), and the Dashboard's and the portal's tests check that the two agree.
 */

/** Largest document the License Server and the Cloud take, bytes (core's `MAX_DOCUMENT_BYTES`). */
export const MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;

/** The text of a picked file; a file over the limit is refused here, before any upload. */
export async function readDocumentFile(file: File): Promise<string> {
  if (file.size > MAX_DOCUMENT_BYTES) {
    throw Object.assign(
      new Error(
        `${file.name} is ${Math.round(file.size / 1024)} KiB; Tessera files are at most ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB`,
      ),
      { code: 'PAYLOAD_TOO_LARGE' },
    );
  }
  return file.text();
}
