import { useAction } from '@tessera/web-kit/action';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { type FormEvent, useState } from 'react';
import { api } from '../api.js';
import { Loading, PageHead } from '../components/Bits.js';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { useLoad } from '../data.js';
import type { FeatureView } from '../types.js';

/** The feature catalog (vendor staff): every feature an entitlement may name. */
export function CatalogPage() {
  const features = useLoad<FeatureView[]>('/api/v1/features');
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));

  const add = async (e: FormEvent) => {
    e.preventDefault();
    await run('Add feature', async () => {
      const f = await api.post<FeatureView>('/api/v1/features', { name: name.trim(), description: description.trim() });
      setNotice({ kind: 'ok', text: `Added feature ${f.name} to the catalog.` });
      setName('');
      setDescription('');
      await features.reload();
    });
  };

  return (
    <div className="page">
      <PageHead
        title="Feature catalog"
        sub="The features your products check out. Entitlements and licenses name them; client applications ask for them by name."
      />
      <Notice
        notice={notice ?? (features.error ? errorNotice(features.error, 'Loading the catalog', features.reload) : null)}
        onClose={() => setNotice(null)}
      />
      <div className="two-col">
        <section className="card" aria-labelledby="catalog-title">
          <h2 id="catalog-title">Features</h2>
          {!features.data ? (
            <Loading what="the catalog" />
          ) : features.data.length === 0 ? (
            <p className="empty">No feature yet. Add the first one: its name is what applications ask for.</p>
          ) : (
            <TableScroll label="Feature catalog">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Feature</th>
                    <th scope="col">Description</th>
                    <th scope="col">Added</th>
                  </tr>
                </thead>
                <tbody>
                  {features.data.map((f) => (
                    <tr key={f.name}>
                      <td className="mono strong">{f.name}</td>
                      <td>{f.description || <span className="muted">—</span>}</td>
                      <td className="nowrap">
                        <LocalTime at={f.createdAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </section>
        <form className="card" onSubmit={add} aria-labelledby="add-feature-title">
          <h2 id="add-feature-title">Add a feature</h2>
          <label className="field">
            <span>Feature name</span>
            <input
              name="featureName"
              required
              maxLength={64}
              pattern="[A-Za-z0-9._\-]+"
              title="1–64 characters: A-Z a-z 0-9 . _ -"
              autoComplete="off"
              spellCheck={false}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <label className="field">
            <span>Description</span>
            <input
              name="featureDescription"
              maxLength={500}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add feature'}
          </button>
        </form>
      </div>
    </div>
  );
}
