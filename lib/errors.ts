// The one error type lib/ throws: a code, an HTTP status and a message safe to show to the caller.
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  constructor(
    readonly code: 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'too_large' | 'unsupported_media_type' | 'rate_limited',
    message: string,
    readonly fieldErrors?: FieldErrors,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return { invalid: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, too_large: 413, unsupported_media_type: 415, rate_limited: 429 }[
      this.code
    ];
  }
}

/**
 * A save made from an older view of the record (its version moved since). The one conflict a form can
 * do something about, by showing what changed meanwhile: lib/action.ts marks it for the form, and
 * only it (a refusal such as the last-Administrator rule is also a 409, but is shown as it is).
 */
export class StaleEditError extends AppError {
  constructor(message: string, fieldErrors?: FieldErrors) {
    super('conflict', message, fieldErrors);
  }
}

export const fieldError = (field: string, message: string) =>
  new AppError('invalid', message, { [field]: [message] });

/** What `found` resolves to, or null when it is refused as not found (a page's 404). */
export const nullIfNotFound = <T>(found: Promise<T>): Promise<T | null> =>
  found.catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'not_found') return null;
    throw error;
  });
