// Field schemas shared by forms, imports and the APIs, so a rule reads the same everywhere.
import { z } from 'zod';

export const emailSchema = z
  .string()
  .trim()
  .min(1, 'Enter an email address.')
  .max(254, 'Email addresses are at most 254 characters.')
  .pipe(z.email('Enter a valid email address, like name@example.com.'));

export const nameSchema = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${what}.`)
    .max(100, `The ${what} is at most 100 characters.`);
