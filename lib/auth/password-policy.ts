// The organization's password policy (SPEC.md section 2), applied wherever a password is set.
import { dictionary } from '@zxcvbn-ts/language-common';
import { MAX_PASSWORD_BYTES, passwordTooLong } from './password';

export type PasswordPolicy = {
  passwordMinLength: number;
  requireLowercase: boolean;
  requireUppercase: boolean;
  requireDigit: boolean;
  requireSymbol: boolean;
  rejectCommonPasswords: boolean;
};

let common: Set<string> | undefined;
const commonPasswords = () => (common ??= new Set(dictionary['passwords-common'] as string[]));

/** Whose password it is: what it must not be built on. */
export type PasswordOwner = { email?: string; firstName?: string; lastName?: string };

// Letters and digits only, so "Margaret-Hamilton" and "margaret hamilton" are one name.
const bare = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{Nd}]/gu, '');

/** The person's name in the password: each name of 4 letters or more, or first and last written together. */
function includesName(password: string, { firstName = '', lastName = '' }: PasswordOwner): boolean {
  const plain = bare(password);
  const names = [bare(firstName), bare(lastName)].filter((name) => name.length >= 4);
  const full = bare(firstName + lastName);
  if (full.length >= 4 && bare(firstName) && bare(lastName)) names.push(full);
  return names.some((name) => plain.includes(name));
}

/** Every rule the password breaks, in words a user can act on; empty when it is acceptable. */
export function checkPassword(password: string, policy: PasswordPolicy, context: PasswordOwner = {}): string[] {
  const failures: string[] = [];
  if ([...password].length < policy.passwordMinLength)
    failures.push(`Use at least ${policy.passwordMinLength} characters.`);
  if (passwordTooLong(password)) failures.push(`Use at most ${MAX_PASSWORD_BYTES} bytes.`);
  if (policy.requireLowercase && !/\p{Ll}/u.test(password)) failures.push('Include a lowercase letter.');
  if (policy.requireUppercase && !/\p{Lu}/u.test(password)) failures.push('Include an uppercase letter.');
  if (policy.requireDigit && !/\p{Nd}/u.test(password)) failures.push('Include a digit.');
  if (policy.requireSymbol && !/[^\p{L}\p{Nd}]/u.test(password)) failures.push('Include a symbol.');
  if (policy.rejectCommonPasswords) {
    const lower = password.toLowerCase();
    const email = context.email?.trim().toLowerCase();
    const local = email?.split('@')[0];
    if (commonPasswords().has(lower)) failures.push('Choose a less common password.');
    // The whole address however short; its name part from 4 characters (shorter ones are too common).
    else if (email && (lower.includes(email) || (local && local.length >= 4 && lower.includes(local)))) failures.push('Do not include your email address.');
    else if (includesName(password, context)) failures.push('Do not include your name.');
  }
  return failures;
}

export function describePolicy(policy: PasswordPolicy): string {
  const parts = [`at least ${policy.passwordMinLength} characters`];
  if (policy.requireLowercase) parts.push('a lowercase letter');
  if (policy.requireUppercase) parts.push('an uppercase letter');
  if (policy.requireDigit) parts.push('a digit');
  if (policy.requireSymbol) parts.push('a symbol');
  return `Use ${parts.join(', ')}${policy.rejectCommonPasswords ? '; common passwords, and ones with your name or email address, are refused' : ''}.`;
}
