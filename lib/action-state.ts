// What a server action returns to its form (see lib/action.ts). Safe to import from client components.
import type { FieldErrors } from './errors';

export type ActionState =
  | { status: 'idle' }
  | { status: 'success'; message: string }
  | { status: 'error'; message: string; fieldErrors?: FieldErrors; code?: 'conflict' };

export const idle: ActionState = { status: 'idle' };
