import { useId, type ComponentProps, type ReactNode } from 'react';
import { cn } from '@/lib/utils';

// A readonly input (a built-in role's name) looks like text, not like a box waiting to be typed in.
export const inputClass =
  'block w-full rounded-md border-0 px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 aria-[invalid=true]:ring-red-500 [&[readonly]]:bg-slate-50 [&[readonly]]:text-slate-600 [&[readonly]]:shadow-none disabled:bg-slate-50 disabled:text-slate-600 disabled:shadow-none';

type FieldProps = ComponentProps<'input'> & {
  label: string;
  name: string;
  help?: string;
  errors?: string[];
  /** A control beside the input (Show on a password), given the input's id. */
  beside?: (inputId: string) => ReactNode;
};

/** A labelled input with its help text and errors wired to it by aria-describedby. */
export function Field({ label, help, errors, className, id, beside, ...props }: FieldProps) {
  const auto = useId();
  const inputId = id ?? auto;
  const helpId = `${inputId}-help`;
  const errorId = `${inputId}-error`;
  const describedBy = [help && helpId, errors?.length && errorId].filter(Boolean).join(' ') || undefined;
  const input = <input id={inputId} className={inputClass} aria-invalid={errors?.length ? true : undefined} aria-describedby={describedBy} {...props} />;
  return (
    <div className={cn('space-y-1', className)}>
      <label htmlFor={inputId} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {beside ? (
        <div className="flex gap-2">
          {input}
          {beside(inputId)}
        </div>
      ) : (
        input
      )}
      {help && (
        <p id={helpId} className="text-xs text-slate-600">
          {help}
        </p>
      )}
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}

export function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return null;
  return (
    <ul id={id} className="space-y-0.5 text-xs text-red-700">
      {errors.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}
