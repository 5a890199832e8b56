'use client';

import { signIn } from 'next-auth/react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useRef, useState, useTransition, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { PasswordField } from '@/components/ui/password-field';

export function LoginForm({
  callbackUrl,
  initialError,
  messages,
}: {
  callbackUrl: string;
  initialError?: string;
  messages: Record<string, string>;
}) {
  const router = useRouter();
  const [error, setError] = useState(initialError);
  const [pending, startTransition] = useTransition();
  const [missing, setMissing] = useState<'email' | 'password' | null>(null);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const formData = new FormData(event.currentTarget);
    const email = String(formData.get('email') ?? '');
    const password = String(formData.get('password') ?? '');
    // Cleared at once, so the next answer is announced afresh.
    setError(undefined);
    // An empty field is named and focused here: the server could only say "email or password is
    // incorrect", and the attempt would count against the network's budget.
    const empty = !email.trim() ? 'email' : !password ? 'password' : null;
    setMissing(empty);
    if (empty) {
      (empty === 'email' ? emailRef : passwordRef).current?.focus();
      return;
    }
    startTransition(async () => {
      const result = await signIn('credentials', { email, password, redirect: false });
      if (!result || result.error) {
        const code = result?.error ?? '';
        setError(Object.hasOwn(messages, code) ? messages[code]! : messages.invalid);
        if (passwordRef.current) passwordRef.current.value = '';
        passwordRef.current?.focus();
        return;
      }
      router.replace(`/after-sign-in?next=${encodeURIComponent(callbackUrl)}`);
      router.refresh();
    });
  }

  return (
    <form onSubmit={submit} className="mt-6 space-y-4" noValidate>
      {/* role="alert" is announced when it appears; an aria-live region around it would read it twice. */}
      <div>{error && <Alert tone="error">{error}</Alert>}</div>
      <Field label="Email" name="email" type="email" autoComplete="username" required autoFocus ref={emailRef} errors={missing === 'email' ? ['Enter your email.'] : undefined} onChange={() => missing === 'email' && setMissing(null)} />
      <PasswordField label="Password" name="password" autoComplete="current-password" required ref={passwordRef} errors={missing === 'password' ? ['Enter your password.'] : undefined} onChange={() => missing === 'password' && setMissing(null)} />
      <div className="flex items-center justify-between">
        <Link href="/forgot-password" className="text-sm font-medium text-indigo-700 hover:underline">
          Forgot password?
        </Link>
        {/* aria-disabled, never disabled, while it runs: a disabled button drops focus to the page body. */}
        <Button type="submit" aria-disabled={pending || undefined} onClick={(e) => pending && e.preventDefault()}>
          {pending ? 'Signing in…' : 'Sign in'}
        </Button>
      </div>
    </form>
  );
}
