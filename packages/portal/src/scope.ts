/**
 * Which customer a page is about. Customers' users: always their own (the API scopes them
 * anyway). Vendor staff: the `?customer=` of the address, or every customer when absent.
 */
export function scopeOf(
  role: 'vendor' | 'customer',
  ownCustomerId: string | null,
  search: URLSearchParams,
): string | null {
  if (role === 'customer') return ownCustomerId;
  const c = search.get('customer');
  return c && c.trim() !== '' ? c : null;
}
