/** Small browser helpers: navigation, links, the clipboard. */
import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useState } from 'react';

const listeners = new Set<() => void>();

/** Goes to `href` (a path with an optional query) without reloading the page. */
export function navigate(href: string, replace = false): void {
  if (href !== location.pathname + location.search) {
    if (replace) history.replaceState(null, '', href);
    else history.pushState(null, '', href);
  }
  for (const l of listeners) l();
}

/** The location path and query, following pushState navigation and the back button. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [loc, setLoc] = useState(() => ({ path: location.pathname, search: location.search }));
  useEffect(() => {
    const update = () => setLoc({ path: location.pathname, search: location.search });
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return { path: loc.path, search: new URLSearchParams(loc.search) };
}

/** Sets (or removes) one query parameter of the current location. */
export function setQueryParam(name: string, value: string | null): void {
  const q = new URLSearchParams(location.search);
  if (value === null || value === '') q.delete(name);
  else q.set(name, value);
  const s = q.toString();
  navigate(`${location.pathname}${s ? `?${s}` : ''}`, true);
}

/** An ordinary link that navigates inside the portal (a modified click opens a new tab as usual). */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(e: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(e);
        if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || e.button !== 0) return;
        e.preventDefault();
        navigate(href);
        window.scrollTo(0, 0);
      }}
    />
  );
}
