import { useId } from 'react';
import { usePortal } from '../data.js';

/**
 * Vendor staff: which customer a page shows ("All customers" when `allowAll`). Customers'
 * users never see it: their customer is theirs, the API decides.
 */
export function CustomerPicker({
  value,
  onChange,
  allowAll = true,
  label = 'Customer',
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  allowAll?: boolean;
  label?: string;
}) {
  const { isVendor, customers } = usePortal();
  const id = useId();
  if (!isVendor) return null;
  return (
    <div className="picker">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? null : e.target.value)}>
        {allowAll && <option value="">All customers</option>}
        {!allowAll && value === null && <option value="">Choose a customer…</option>}
        {(customers ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A form's required choice of customer, from the customers vendor staff see. */
export function CustomerField({
  name,
  value,
  onChange,
}: {
  /** The select's form name. */
  name: string;
  /** The chosen customer id, `''` for none yet. */
  value: string;
  onChange: (id: string) => void;
}) {
  const { customers } = usePortal();
  return (
    <label className="field">
      <span>Customer</span>
      <select name={name} required value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Choose a customer…</option>
        {(customers ?? []).map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}
