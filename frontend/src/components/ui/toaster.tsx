import { useSyncExternalStore } from 'react';
import { Link } from 'react-router';

import { dismissToast, getToasts, subscribeToasts } from '@/lib/toast';

/** Where toasts appear: a polite live region, each toast dismissable by keyboard. */
export function Toaster() {
  const toasts = useSyncExternalStore(subscribeToasts, getToasts);
  return (
    <div className="toaster" role="region" aria-label="Notifications toasts">
      <div aria-live="polite" aria-relevant="additions">
        {toasts.map((item) => (
          <div key={item.id} className={`toast toast-${item.tone}`} role="status">
            <div className="toast-body">
              <strong className="toast-title">
                {item.href && !item.linkLabel ? <Link to={item.href}>{item.title}</Link> : item.title}
              </strong>
              {item.message && <span className="toast-message">{item.message}</span>}
              {item.href && item.linkLabel && (
                <Link to={item.href} className="toast-link">
                  {item.linkLabel}
                </Link>
              )}
            </div>
            <button
              type="button"
              className="icon-button"
              aria-label={`Dismiss: ${item.title}`}
              onClick={() => dismissToast(item.id)}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}
