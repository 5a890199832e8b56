'use client';

import { useEffect, useRef, useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useToast } from '@/components/ui/toast';
import { useActionForm } from '@/components/ui/use-action-form';
import { idle, type ActionState } from '@/lib/action-state';
import {
  addEnvironmentAction,
  archiveEnvironmentAction,
  deleteEnvironmentAction,
  renameEnvironmentAction,
  restoreEnvironmentAction,
} from './actions';

const ADD_FIELDS = { name: { id: 'environment-name', label: 'New environment name' } };

export function AddEnvironmentForm() {
  const { state, pending, fieldErrors, formProps } = useActionForm(addEnvironmentAction);
  const formRef = useRef<HTMLFormElement>(null);
  // Added: the field empties for the next one (the name left in it would only be refused as taken).
  useEffect(() => {
    if (state.status === 'success') formRef.current?.reset();
  }, [state]);
  return (
    <form ref={formRef} {...formProps} className="mb-6 flex max-w-xl flex-wrap items-start gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <div className="w-full">
        <FormStatus state={state} fields={ADD_FIELDS} />
      </div>
      <Field id={ADD_FIELDS.name.id} label="New environment name" name="name" required autoComplete="off" className="min-w-48 flex-1" errors={fieldErrors?.name} />
      {/* Level with the input (below its label), also when an error shows under the input. */}
      <SubmitButton pending={pending} pendingText="Adding…" className="sm:mt-6">Add environment</SubmitButton>
    </form>
  );
}

/** The context identifier with a copy button that says when it copied. */
export function CopyIdentifier({ name, value }: { name: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="inline-flex max-w-full items-center gap-2">
      <code className="min-w-0 truncate font-mono text-xs text-slate-700" title={value}>{value}</code>
      <Button
        variant="ghost"
        size="sm"
        aria-label={`Copy the context identifier of ${name}`}
        onClick={async () => {
          await navigator.clipboard.writeText(value);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </Button>
      <span aria-live="polite" className="sr-only">{copied ? `Context identifier of ${name} copied` : ''}</span>
    </span>
  );
}

type Row = { id: string; name: string; archived: boolean; deletable: boolean };

/** Rename, Archive / Restore and Delete of one environment, each confirmed in a dialog. */
export function EnvironmentActions({ env }: { env: Row }) {
  const [dialog, setDialog] = useState<'rename' | 'archive' | 'delete' | null>(null);
  const [state, setState] = useState<ActionState>(idle);
  const [name, setName] = useState(env.name);
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  const run = (act: (s: ActionState, d: FormData) => Promise<ActionState>, fields: Record<string, string> = {}) => {
    const data = new FormData();
    data.set('environmentId', env.id);
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    startTransition(async () => {
      const result = await act(idle, data);
      setState(result);
      // Results are toasts, as everywhere in the portal; an error in an open dialog stays in the dialog.
      if (result.status === 'success') {
        setDialog(null);
        toast(result.message);
      } else if (result.status === 'error' && dialog === null) toast(result.message, { tone: 'error' });
    });
  };
  const renameErrors = state.status === 'error' ? state.fieldErrors?.name : undefined;
  return (
    <div className="flex flex-wrap items-center gap-1 sm:justify-end">
      <Button variant="ghost" size="sm" aria-disabled={pending || undefined} onClick={() => { if (pending) return; setState(idle); setName(env.name); setDialog('rename'); }} aria-label={`Rename ${env.name}`}>
        Rename
      </Button>
      {/* One button that turns from Restore into Archive and back, so focus stays on it; aria-disabled
          while working, since a disabled button would drop focus to the page body. */}
      <Button
        variant="ghost"
        size="sm"
        aria-disabled={pending || undefined}
        onClick={() => {
          if (pending) return;
          if (env.archived) run(restoreEnvironmentAction);
          else {
            setState(idle);
            setDialog('archive');
          }
        }}
        aria-label={`${env.archived ? 'Restore' : 'Archive'} ${env.name}`}
      >
        {env.archived ? 'Restore' : 'Archive'}
      </Button>
      {env.deletable && (
        <Button variant="ghost" size="sm" aria-disabled={pending || undefined} onClick={() => { if (pending) return; setState(idle); setDialog('delete'); }} aria-label={`Delete ${env.name}`}>
          Delete
        </Button>
      )}
      <ConfirmDialog
        open={dialog === 'rename'}
        onOpenChange={(open) => !open && setDialog(null)}
        title={`Rename ${env.name}`}
        description="Its context identifier stays the same, so integrations keep working."
        confirmLabel="Rename"
        tone="primary"
        onConfirm={() => run(renameEnvironmentAction, { name, from: env.name })}
      >
        <div className="mt-4 space-y-2">
          <Field
            label="Name"
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            // Enter renames, as it would submit a form.
            onKeyDown={(e) => {
              if (e.key !== 'Enter' || e.nativeEvent.isComposing) return;
              e.preventDefault();
              if (!pending) run(renameEnvironmentAction, { name, from: env.name });
            }}
            autoComplete="off"
            errors={renameErrors}
          />
          {!renameErrors && <FormStatus state={state} />}
        </div>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'archive'}
        onOpenChange={(open) => !open && setDialog(null)}
        title={`Archive ${env.name}?`}
        description="It disappears from the environment switcher and from pickers. Its users and history stay, and you can restore it later."
        confirmLabel="Archive"
        onConfirm={() => run(archiveEnvironmentAction)}
      >
        <div className="mt-4"><FormStatus state={state} /></div>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'delete'}
        onOpenChange={(open) => !open && setDialog(null)}
        title={`Delete ${env.name}?`}
        description="It has no users or API users. It is removed for good; its history stays in the audit log."
        confirmLabel="Delete"
        onConfirm={() => run(deleteEnvironmentAction)}
      >
        <div className="mt-4"><FormStatus state={state} /></div>
      </ConfirmDialog>
    </div>
  );
}
