import type { ReactNode } from 'react';

type AlertProps = {
  children: ReactNode;
  tone?: 'error' | 'warning';
  action?: ReactNode;
};

export function Alert({ children, tone = 'error', action }: AlertProps) {
  return (
    <div className={`alert alert-${tone}`} role="alert">
      <div className="alert-body">{children}</div>
      {action}
    </div>
  );
}
