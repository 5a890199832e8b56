'use client';

import { CircleAlert } from 'lucide-react';
import { useEffect, useRef } from 'react';
import type { FieldErrors } from '@/lib/errors';

/**
 * The top-of-form list of what to fix. It takes focus when errors arrive (so focus never stays on a
 * disabled submit button or falls to the body) and links each message to its field.
 * `fields` maps an error key to the field's id and label; unknown keys are listed without a link.
 */
/** The message opens with its field's name ("Minimum password length must be…", "The current password is…"). */
const namesField = (message: string, label: string) => {
  const m = message.toLowerCase();
  const l = label.toLowerCase();
  return m.startsWith(l) || m.startsWith(`the ${l}`);
};

export function ErrorSummary({ message, errors, fields, token }: { message: string; errors?: FieldErrors; fields: Record<string, { id: string; label: string }>; token: unknown }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [token]);
  const entries = Object.entries(errors ?? {}).filter(([, list]) => list.length > 0);
  // A refusal that is one field's error (a name or email already taken) is listed below with its field
  // and shown under it: as the title too, the same sentence would be read three times.
  const title = entries.some(([, list]) => list[0] === message) ? 'Check the highlighted fields.' : message;
  return (
    <div ref={ref} tabIndex={-1} role="alert" aria-labelledby="error-summary-title" className="rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-red-200 focus:outline-2 focus:outline-offset-2 focus:outline-red-600">
      <p id="error-summary-title" className="flex items-center gap-2 font-medium">
        <CircleAlert aria-hidden className="size-4 shrink-0" />
        {title}
      </p>
      {entries.length > 0 && (
        <ul className="mt-2 list-disc space-y-1 pl-9">
          {entries.map(([key, list]) => {
            const field = fields[key] ?? fields[key.split('.')[0]!];
            return (
              <li key={key}>
                {field ? (
                  <a href={`#${field.id}`} className="underline underline-offset-2 hover:text-red-700" onClick={(e) => { e.preventDefault(); document.getElementById(field.id)?.focus(); }}>
                    {/* A message that already names its field is not prefixed with the label again. */}
                    {namesField(list[0]!, field.label) ? list[0] : `${field.label}: ${list[0]}`}
                  </a>
                ) : (
                  list[0]
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
