import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { Link } from '../browser.js';
import { useLoad } from '../data.js';
import { pathOf } from '../routes.js';
import type { AuditEntry } from '../types.js';
import { Loading } from './Bits.js';
import { errorNotice, Notice } from './Notice.js';

const ACTIONS: Record<string, string> = {
  'session.sign-in': 'signed in',
  'user.password.change': 'changed a password',
  'user.add': 'added a user',
  'feature.add': 'added a feature',
  'customer.add': 'added a customer',
  'entitlement.add': 'added an entitlement',
  'entitlement.update': 'changed an entitlement',
  'server.register': 'registered a License Server',
  'deployment.create': 'created a deployment',
  'deployment.add-licenses': 'added licenses',
  'deployment.renew': 'renewed a deployment',
  'deployment.reissue': 'issued a new revision',
  'deployment.return': 'returned a license',
  'account.add': 'made subscription credentials',
  'account.disable': 'disabled subscription credentials',
  'session.sign-out': 'signed out',
  'enrollment.create': 'made an enrollment code',
  'server.enroll': 'enrolled a flexible server',
  'server.allocate': 'changed a flexible allocation',
  'server.sync': 'synced a flexible server',
  'server.flag': 'flagged a server',
};

/** The newest few audit entries (the API scopes them), in words. */
export function RecentActivity() {
  const audit = useLoad<AuditEntry[]>('/api/v1/audit?limit=8');
  return (
    <section className="card" aria-labelledby="recent-title">
      <div className="card-head">
        <h2 id="recent-title">Recent activity</h2>
        <Link href={pathOf('audit')} className="small">
          Audit log →
        </Link>
      </div>
      {!audit.data ? (
        audit.error ? (
          <Notice
            notice={errorNotice(audit.error, 'Loading recent activity', audit.reload)}
            onClose={() => undefined}
          />
        ) : (
          <Loading what="activity" />
        )
      ) : audit.data.length === 0 ? (
        <p className="empty">Nothing yet.</p>
      ) : (
        <ul className="activity">
          {audit.data.map((e) => (
            <li key={e.id}>
              <LocalTime at={e.at} className="nowrap muted small" />
              <span>
                <strong>{e.actor.replace(/^user:/, '')}</strong> {ACTIONS[e.action] ?? e.action}
                {e.target && <span className="mono small muted"> {e.target}</span>}
              </span>
              {e.outcome !== 'ok' && (
                <span className="chip chip-bad">{e.outcome.replace('refused:', 'refused: ')}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
