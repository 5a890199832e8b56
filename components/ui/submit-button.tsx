import { Button, type ButtonProps } from './button';

/** A form's submit button: disabled and saying so while the form is being sent. */
export function SubmitButton({ children, pending, pendingText, ...props }: ButtonProps & { pending: boolean; pendingText?: string }) {
  return (
    <Button type="submit" disabled={pending} aria-disabled={pending} {...props}>
      {pending ? (pendingText ?? 'Saving…') : children}
    </Button>
  );
}
