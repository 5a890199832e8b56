// Changing the security settings (Administrators: settings.manage in every environment): validated ranges,
// audited with before and after.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '@/db/client';
import { securitySettings } from '@/db/schema';
import { diff, recordAudit, type RequestMeta } from '@/lib/audit';
import { requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { AppError } from '@/lib/errors';
import { wholeNumberSchema } from '@/lib/validation';
import { getSecuritySettings } from './index';

const whole = (label: string, min: number, max: number) =>
  wholeNumberSchema(min, max, {
    required: `${label} is required.`,
    whole: `${label} must be a whole number.`,
    min: `${label} must be at least ${min}.`,
    max: `${label} must be at most ${max}.`,
  });

// Unchecked checkboxes are absent from a form; "on" (forms) and booleans (APIs) mean checked.
const flag = z.preprocess((v) => v === true || v === 'on' || v === 'true', z.boolean());

// Each message opens with the field's label exactly as the form shows it, so the error summary need not repeat it.
export const securitySettingsSchema = z
  .object({
    lockoutThreshold: whole('Failed attempts before lock', 3, 100),
    autoUnlockMinutes: whole('Automatic unlock after (minutes)', 0, 10_080),
    passwordMinLength: whole('Minimum password length', 8, 72),
    requireLowercase: flag,
    requireUppercase: flag,
    requireDigit: flag,
    requireSymbol: flag,
    rejectCommonPasswords: flag,
    passwordMaxAgeDays: whole('Password maximum age (days)', 0, 3650),
    passwordWarningDays: whole('Expiry warning (days)', 0, 365),
    inactivityDays: whole('Inactivate after days without sign-in', 0, 3650),
    invitationLifetimeDays: whole('Invitation link lifetime (days)', 1, 90),
    resetLifetimeMinutes: whole('Reset link lifetime (minutes)', 5, 10_080),
  })
  .refine((s) => s.passwordMaxAgeDays === 0 || s.passwordWarningDays < s.passwordMaxAgeDays, {
    path: ['passwordWarningDays'],
    message: 'Expiry warning (days) must be fewer than the password maximum age.',
  });

export type SecuritySettingsInput = z.infer<typeof securitySettingsSchema>;

export async function updateSecuritySettings(tx: Tx, principal: Principal, input: SecuritySettingsInput, meta?: RequestMeta) {
  requirePermissionOf(principal, 'settings.manage');
  // They bind every account, Administrators included: only someone whose reach is the whole organization sets them.
  if (!principal.allEnvironments) throw new AppError('forbidden', 'Only Administrators change the security settings.');
  // Locked before it is read: a save that commits meanwhile is then the "before" of this one, so a
  // value this form carries back over it is audited too, never written unrecorded.
  await tx.select({ id: securitySettings.organizationId }).from(securitySettings).for('update');
  const current = await getSecuritySettings(tx);
  const changes = diff(current, input);
  if (Object.keys(changes).length === 0) return { changed: 0 };
  // Shortened or turned on: passwords it would expire at once get the warning window first (passwordExpiresAt).
  const shortened = input.passwordMaxAgeDays > 0 && (current.passwordMaxAgeDays === 0 || input.passwordMaxAgeDays < current.passwordMaxAgeDays);
  await tx
    .update(securitySettings)
    .set({ ...input, ...(shortened ? { passwordMaxAgeShortenedAt: new Date() } : {}), updatedAt: new Date() })
    .where(eq(securitySettings.organizationId, current.organizationId));
  await recordAudit(tx, { actor: principal.actor, action: 'settings.security_updated', target: { type: 'settings', id: current.organizationId, label: 'Security settings' }, changes, meta });
  return { changed: Object.keys(changes).length };
}
