/** What an empty server shows under the tree: the two steps to a first license. */
export function NoLicenses() {
  return (
    <div className="empty-state">
      <h2>No license is installed yet</h2>
      <ol>
        <li>
          Press <strong>Make Server ID File</strong> and send <code>info.bts</code> to your vendor’s portal.
        </li>
        <li>
          Press <strong>Install License</strong> and choose the license file you get back.
        </li>
      </ol>
    </div>
  );
}
