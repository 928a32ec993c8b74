import type { FileActionId } from '../hooks/useLicenseActions.js';

/** Documents the server reads as text; `.txt` and untyped files too, since a file may have been renamed. */
const TEXT_TYPES = '.txt,application/octet-stream,text/plain';

/** One hidden file input per button that asks for a file; in this order, after the page. */
const FILE_INPUTS: readonly { id: FileActionId; label: string; extension: string }[] = [
  { id: 'install', label: 'License file to install', extension: '.lic' },
  { id: 'renew', label: 'License file to renew with', extension: '.lic' },
  { id: 'importSync', label: 'Sync File to import', extension: '.sync' },
  { id: 'sendReport', label: 'Report File to send to the Cloud', extension: '.report' },
];

/**
 * The file inputs the license buttons open. They stay out of sight and out of the tab order: the buttons are
 * what a user presses and tabs to.
 */
export function LicenseFileInputs({
  register,
  onChosen,
}: {
  register: (id: FileActionId) => (el: HTMLInputElement | null) => void;
  onChosen: (id: FileActionId, file: File | undefined) => Promise<void>;
}) {
  return FILE_INPUTS.map(({ id, label, extension }) => (
    <input
      key={id}
      ref={register(id)}
      type="file"
      name={id}
      className="visually-hidden"
      tabIndex={-1}
      aria-label={label}
      accept={`${extension},${TEXT_TYPES}`}
      onChange={(e) => {
        const input = e.currentTarget;
        const file = input.files?.[0];
        // Cleared at once, so choosing the same file again is a change too.
        input.value = '';
        void onChosen(id, file);
      }}
    />
  ));
}
