import { cn } from '@/lib/utils';
import { Button, type ButtonProps } from './button';

/**
 * A form's submit button. While the form is being sent it says so and is aria-disabled, but never
 * `disabled`: a disabled button loses focus, which then falls to the page body. useActionForm ignores
 * a second submit meanwhile.
 */
export function SubmitButton({ children, pending, pendingText, className, ...props }: ButtonProps & { pending: boolean; pendingText?: string }) {
  return (
    <Button type="submit" aria-disabled={pending || undefined} className={cn(pending && 'cursor-progress opacity-70', className)} {...props}>
      {pending ? (pendingText ?? 'Saving…') : children}
    </Button>
  );
}
