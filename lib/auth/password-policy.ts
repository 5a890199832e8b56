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

/** Every rule the password breaks, in words a user can act on; empty when it is acceptable. */
export function checkPassword(password: string, policy: PasswordPolicy, context: { email?: string } = {}): string[] {
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
    const local = context.email?.split('@')[0]?.toLowerCase();
    if (commonPasswords().has(lower)) failures.push('Choose a less common password.');
    else if (local && local.length >= 4 && lower.includes(local)) failures.push('Do not include your email address.');
  }
  return failures;
}

export function describePolicy(policy: PasswordPolicy): string {
  const parts = [`at least ${policy.passwordMinLength} characters`];
  if (policy.requireLowercase) parts.push('a lowercase letter');
  if (policy.requireUppercase) parts.push('an uppercase letter');
  if (policy.requireDigit) parts.push('a digit');
  if (policy.requireSymbol) parts.push('a symbol');
  return `Use ${parts.join(', ')}${policy.rejectCommonPasswords ? '; common passwords are refused' : ''}.`;
}
