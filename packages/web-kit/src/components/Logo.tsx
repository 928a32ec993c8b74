/** The Tessera mark: four tiles, one lit. */
export function Logo({ size = 26 }: { size?: number }) {
  return (
    <svg viewBox="0 0 32 32" width={size} height={size} aria-hidden="true">
      <rect width="32" height="32" rx="6" fill="#1f4e79" />
      <path d="M7 7h8v8H7zM17 7h8v8h-8zM7 17h8v8H7z" fill="#fff" />
      <path d="M17 17h8v8h-8z" fill="#7fb3e6" />
    </svg>
  );
}
