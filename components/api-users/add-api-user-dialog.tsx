'use client';

import * as Dialog from '@radix-ui/react-dialog';
import { useActionState, useEffect, useRef, useState, useTransition, type FormEvent } from 'react';
import { checkApiUsername, createApiUserAction, type CreateApiUserState } from '@/app/(portal)/users/api/actions';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field, FieldErrors, inputClass } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';

type Environment = { id: string; name: string };
type Scope = 'user' | 'environments' | 'organization';

const SCOPES: { value: Scope; label: string; help: string }[] = [
  { value: 'user', label: 'Specific User', help: 'Acts as one user, with their role and environments.' },
  { value: 'environments', label: 'Environment', help: 'Reads and manages users of the chosen environments, like an Account Manager.' },
  { value: 'organization', label: 'Organization (All Environments)', help: 'Manages every user in every environment, as an Administrator does; it never makes anyone an Administrator, nor sets their password.' },
];

const dateOnly = (d: Date) => d.toISOString().slice(0, 10);

/**
 * "Add API User": the form, then the key, shown once. Closing the dialog loses the key for good, so
 * while it shows the key only "I have copied the key" closes it (not Escape, not a click outside).
 */
/** `currentEnvironmentId`: the environment the portal shows, ticked at first for an Environment key. */
export function AddApiUserDialog({ environments, currentEnvironmentId }: { environments: Environment[]; currentEnvironmentId?: string }) {
  const [open, setOpen] = useState(false);
  const [showingKey, setShowingKey] = useState(false);
  // A new form (and a forgotten key) every time the dialog opens.
  const [round, setRound] = useState(0);
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setRound((r) => r + 1);
          setShowingKey(false);
        }
      }}
    >
      <Dialog.Trigger asChild>
        <Button>Add API User</Button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <Dialog.Content
          onEscapeKeyDown={(e) => showingKey && e.preventDefault()}
          onInteractOutside={(e) => showingKey && e.preventDefault()}
          className="fixed top-1/2 left-1/2 z-50 max-h-[calc(100dvh-2rem)] w-[min(36rem,calc(100vw-2rem))] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-lg bg-white p-6 shadow-xl focus:outline-none"
        >
          <AddApiUserForm
            key={round}
            environments={environments}
            currentEnvironmentId={currentEnvironmentId}
            onKey={() => setShowingKey(true)}
            onDone={() => {
              setOpen(false);
              setRound((r) => r + 1);
              setShowingKey(false);
            }}
          />
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function AddApiUserForm({ environments, currentEnvironmentId, onKey, onDone }: { environments: Environment[]; currentEnvironmentId?: string; onKey: () => void; onDone: () => void }) {
  const [state, dispatch, pending] = useActionState<CreateApiUserState, FormData>(createApiUserAction, { status: 'idle' });
  const [, startTransition] = useTransition();
  // The narrowest reach first: an organization-wide key acts as an Administrator.
  const [scope, setScope] = useState<Scope>('environments');
  const [username, setUsername] = useState('');
  const [check, setCheck] = useState<{ for: string; ok: boolean; message: string } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const [defaultExpiry] = useState(() => dateOnly(new Date(Date.now() + 365 * 86_400_000)));
  const [tomorrow] = useState(() => dateOnly(new Date(Date.now() + 86_400_000)));

  // Checked while typing (debounced), ignoring case; the server checks again on save.
  useEffect(() => {
    const value = username.trim();
    if (value.length < 3) return;
    const timer = setTimeout(() => {
      void checkApiUsername(value).then((result) => setCheck({ for: value, ...result }));
    }, 300);
    return () => clearTimeout(timer);
  }, [username]);

  const errors = state.status === 'error' ? state.fieldErrors : undefined;
  useEffect(() => {
    if (state.status !== 'error') return;
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    // The first field in error, else the message itself (a span that takes focus; the alert box does not).
    (first ?? formRef.current?.querySelector<HTMLElement>('[data-form-error]'))?.focus();
  }, [state]);

  useEffect(() => {
    if (state.status === 'created') onKey();
  }, [state.status, onKey]);
  if (state.status === 'created') return <KeyShownOnce username={state.username} apiKey={state.key} onDone={onDone} />;

  const liveCheck = check && check.for === username.trim() ? check : null;
  const usernameErrors = errors?.username ?? (liveCheck && !liveCheck.ok ? [liveCheck.message] : undefined);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    startTransition(() => dispatch(data));
  };

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate className="space-y-4">
      <Dialog.Title className="text-lg font-semibold">Add API User</Dialog.Title>
      <Dialog.Description className="text-sm text-slate-600">A key for one integration. It is shown once, when you save.</Dialog.Description>
      <div aria-live="polite" className="empty:sr-only">
        {state.status === 'error' && (
          // announce={false}: the live region around it reads it (role="alert" too would read it twice).
          <Alert tone="error" announce={false}>
            <span tabIndex={-1} data-form-error>
              {state.message}
            </span>
          </Alert>
        )}
      </div>
      <div>
        <Field
          label="Username"
          name="username"
          autoComplete="off"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          help="3 to 100 characters: letters, digits and . _ @ + -. Unique among API users, ignoring case. It is not a person’s sign-in, though it may look like an email."
          errors={usernameErrors}
        />
        {liveCheck?.ok && !errors?.username && (
          <p className="mt-1 text-xs text-emerald-800" aria-live="polite">
            {liveCheck.message}
          </p>
        )}
      </div>
      <div className="space-y-1">
        <label htmlFor="api-user-description" className="block text-sm font-medium text-slate-800">
          Description
        </label>
        <textarea
          id="api-user-description"
          name="description"
          rows={2}
          className={inputClass}
          aria-invalid={errors?.description ? true : undefined}
          aria-describedby={errors?.description ? 'api-user-description-error' : undefined}
        />
        <FieldErrors id="api-user-description-error" errors={errors?.description} />
      </div>
      <fieldset className="space-y-2" aria-describedby={errors?.scope ? 'api-user-scope-error' : undefined}>
        <legend className="text-sm font-medium text-slate-800">Scope</legend>
        {SCOPES.map((s) => (
          <label key={s.value} className="flex items-start gap-2 text-sm">
            <input type="radio" name="scope" value={s.value} checked={scope === s.value} onChange={() => setScope(s.value)} className="mt-0.5 size-4 shrink-0" />
            <span>
              <span className="font-medium">{s.label}</span>
              <span className="block text-xs text-slate-600">{s.help}</span>
            </span>
          </label>
        ))}
        <FieldErrors id="api-user-scope-error" errors={errors?.scope} />
      </fieldset>
      {scope === 'user' && (
        <Field label="User’s email" name="userEmail" type="email" autoComplete="off" help="The key acts as this user." errors={errors?.userEmail} />
      )}
      {scope === 'environments' && (
        <fieldset aria-describedby={errors?.environmentIds ? 'api-user-environments-error' : undefined}>
          <legend className="text-sm font-medium text-slate-800">Environments</legend>
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {environments.map((env) => (
              <label key={env.id} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  name="environmentIds"
                  value={env.id}
                  defaultChecked={env.id === currentEnvironmentId}
                  className="size-4 rounded border-slate-300"
                  // Marked, so the error focuses the first of them and each is read with the error.
                  aria-invalid={errors?.environmentIds ? true : undefined}
                  aria-describedby={errors?.environmentIds ? 'api-user-environments-error' : undefined}
                />
                {env.name}
              </label>
            ))}
          </div>
          <FieldErrors id="api-user-environments-error" errors={errors?.environmentIds} />
        </fieldset>
      )}
      <Field label="Expiration date" name="expiresAt" type="date" required defaultValue={defaultExpiry} min={tomorrow} help="The key stops working at the end of this day (UTC)." errors={errors?.expiresAt} />
      <Field
        label="Requests per minute"
        name="rateLimitPerMinute"
        type="number"
        inputMode="numeric"
        required
        min={1}
        max={100_000}
        step={1}
        defaultValue={600}
        help="Calls beyond this in a minute are answered 429 with Retry-After."
        errors={errors?.rateLimitPerMinute}
      />
      <div className="flex justify-end gap-2 pt-2">
        <Dialog.Close asChild>
          <Button variant="secondary" type="button">
            Cancel
          </Button>
        </Dialog.Close>
        <SubmitButton pending={pending} pendingText="Creating…">
          Create API User
        </SubmitButton>
      </div>
    </form>
  );
}

function KeyShownOnce({ username, apiKey, onDone }: { username: string; apiKey: string; onDone: () => void }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.select(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(apiKey);
      setCopied('copied');
    } catch {
      inputRef.current?.select();
      setCopied('failed');
    }
  };
  return (
    <div className="space-y-4">
      <Dialog.Title className="text-lg font-semibold">Key for {username}</Dialog.Title>
      <Dialog.Description asChild>
        <div>
          <Alert tone="info" className="bg-amber-50 text-amber-900 ring-amber-200">
            Copy this key now and store it somewhere safe. It cannot be shown again: once this dialog is closed, it is gone for good.
          </Alert>
        </div>
      </Dialog.Description>
      <div className="space-y-1">
        <label htmlFor="api-key" className="block text-sm font-medium text-slate-800">
          API key
        </label>
        <div className="flex gap-2">
          <input id="api-key" ref={inputRef} readOnly value={apiKey} className={`${inputClass} font-mono text-xs`} onFocus={(e) => e.currentTarget.select()} />
          <Button type="button" variant="secondary" onClick={copy}>
            Copy
          </Button>
        </div>
        <p aria-live="polite" className="text-xs text-slate-700">
          {copied === 'copied' ? 'Copied to the clipboard.' : copied === 'failed' ? 'Copying is blocked here: the key is selected, copy it with your keyboard.' : ''}
        </p>
      </div>
      <div className="flex justify-end">
        <Button type="button" onClick={onDone}>
          I have copied the key
        </Button>
      </div>
    </div>
  );
}
