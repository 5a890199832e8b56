import type { ReactNode } from 'react';

/**
 * A page's title, its one-line description and its actions at the right. `actions` is a slot: each
 * screen adds its buttons there (Add, Import, Add API User), primary one last.
 */
export function PageHeader({ title, description, actions, back }: { title: ReactNode; description?: ReactNode; actions?: ReactNode; back?: ReactNode }) {
  return (
    <div className="mb-5">
      {back && <div className="mb-2 text-sm">{back}</div>}
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 tabIndex={-1} className="rounded-sm text-xl font-semibold tracking-tight text-slate-900 [overflow-wrap:anywhere] focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">{title}</h1>
          {description && <p className="mt-1 text-sm text-slate-600 [overflow-wrap:anywhere]">{description}</p>}
        </div>
        {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
      </div>
    </div>
  );
}
