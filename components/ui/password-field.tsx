'use client';

import { useState, type ComponentProps } from 'react';
import { Button } from './button';
import { Field } from './field';

type PasswordFieldProps = Omit<ComponentProps<typeof Field>, 'type' | 'beside'>;

/**
 * A password input with a Show button, so what was typed (on a phone keyboard above all) can be
 * checked before it is sent. Shown, it is still not capitalised, corrected or spell-checked.
 */
export function PasswordField(props: PasswordFieldProps) {
  const [shown, setShown] = useState(false);
  return (
    <Field
      {...props}
      type={shown ? 'text' : 'password'}
      autoCapitalize="off"
      autoCorrect="off"
      spellCheck={false}
      beside={(inputId) => (
        <Button type="button" variant="secondary" aria-controls={inputId} onClick={() => setShown(!shown)} className="w-16">
          {shown ? 'Hide' : 'Show'}
        </Button>
      )}
    />
  );
}
