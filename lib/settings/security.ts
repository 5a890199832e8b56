// Changing the security settings (Administrators: settings.manage in every environment): validated ranges,
// only the fields the editor changed (another Administrator's save meanwhile is kept, or a clash refused),
// audited with before and after.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '@/db/client';
import { securitySettings, type SecuritySettings } from '@/db/schema';
import { diff, recordAudit, type RequestMeta } from '@/lib/audit';
import { requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { AppError, StaleEditError, type FieldErrors } from '@/lib/errors';
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
const LABELS = {
  lockoutThreshold: 'Failed attempts before lock',
  autoUnlockMinutes: 'Automatic unlock after (minutes)',
  passwordMinLength: 'Minimum password length',
  passwordMaxAgeDays: 'Password maximum age (days)',
  passwordWarningDays: 'Expiry warning (days)',
  inactivityDays: 'Inactivate after days without sign-in',
  invitationLifetimeDays: 'Invitation link lifetime (days)',
  resetLifetimeMinutes: 'Reset link lifetime (minutes)',
} as const;

const fields = z.object({
  lockoutThreshold: whole(LABELS.lockoutThreshold, 3, 100),
  autoUnlockMinutes: whole(LABELS.autoUnlockMinutes, 0, 10_080),
  passwordMinLength: whole(LABELS.passwordMinLength, 8, 72),
  requireLowercase: flag,
  requireUppercase: flag,
  requireDigit: flag,
  requireSymbol: flag,
  rejectCommonPasswords: flag,
  passwordMaxAgeDays: whole(LABELS.passwordMaxAgeDays, 0, 3650),
  passwordWarningDays: whole(LABELS.passwordWarningDays, 0, 365),
  inactivityDays: whole(LABELS.inactivityDays, 0, 3650),
  invitationLifetimeDays: whole(LABELS.invitationLifetimeDays, 1, 90),
  resetLifetimeMinutes: whole(LABELS.resetLifetimeMinutes, 5, 10_080),
});
type Values = z.infer<typeof fields>;
const KEYS = Object.keys(fields.shape) as (keyof Values)[];

const WARNING_NOT_BELOW_AGE = 'Expiry warning (days) must be fewer than the password maximum age.';
const warningBelowAge = (s: Values) => s.passwordMaxAgeDays === 0 || s.passwordWarningDays < s.passwordMaxAgeDays;

/**
 * The form's values, and `opened`: the values it showed when the page was opened (JSON). With it, a
 * save changes only the fields its editor changed, so another Administrator's save meanwhile is kept.
 */
export const securitySettingsSchema = fields
  .extend({ opened: z.string().max(4_000).optional() })
  // Compared whenever the two are themselves valid, so a mistake elsewhere (1.5 minutes) does not hold it
  // back to the next save.
  .refine(warningBelowAge, {
    path: ['passwordWarningDays'],
    message: WARNING_NOT_BELOW_AGE,
    when: ({ issues }) => !issues.some((i) => i.path?.[0] === 'passwordMaxAgeDays' || i.path?.[0] === 'passwordWarningDays'),
  });

export type SecuritySettingsInput = z.infer<typeof securitySettingsSchema>;
export type SecuritySettingsValues = Values;

export async function updateSecuritySettings(tx: Tx, principal: Principal, input: SecuritySettingsInput, meta?: RequestMeta) {
  requirePermissionOf(principal, 'settings.manage');
  // They bind every account, Administrators included: only someone whose reach is the whole organization sets them.
  if (!principal.allEnvironments) throw new AppError('forbidden', 'Only Administrators change the security settings.');
  // Locked before it is read: a save that commits meanwhile is then the "before" of this one, so a
  // value this form carries back over it is audited too, never written unrecorded.
  await tx.select({ id: securitySettings.organizationId }).from(securitySettings).for('update');
  const current = await getSecuritySettings(tx);
  const next = merged(current, input);
  const changes = diff(current, next);
  if (Object.keys(changes).length === 0) return { changed: 0 };
  await tx
    .update(securitySettings)
    .set({ ...next, ...graceStart(current, next), updatedAt: new Date() })
    .where(eq(securitySettings.organizationId, current.organizationId));
  await recordAudit(tx, { actor: principal.actor, action: 'settings.security_updated', target: { type: 'settings', id: current.organizationId, label: 'Security settings' }, changes, meta });
  return { changed: Object.keys(changes).length };
}

const DAY = 86_400_000;

/**
 * When the grace of a shortened maximum age starts (passwordExpiresAt: it ends the warning days after).
 * Shortened or turned on: now, so passwords it would expire at once get the warning window first.
 * Otherwise a new warning length moves its start the other way, so the grace still ends when its
 * holders were told: fewer warning days must not expire their passwords at once, nor more lengthen it.
 */
function graceStart(current: SecuritySettings, next: Values): Partial<SecuritySettings> {
  const shortened = next.passwordMaxAgeDays > 0 && (current.passwordMaxAgeDays === 0 || next.passwordMaxAgeDays < current.passwordMaxAgeDays);
  if (shortened) {
    const now = new Date();
    return { passwordMaxAgeShortenedAt: now, passwordGraceFrom: unexpiredSince(current, now) };
  }
  const started = current.passwordMaxAgeShortenedAt;
  if (!started || next.passwordWarningDays === current.passwordWarningDays) return {};
  return { passwordMaxAgeShortenedAt: new Date(started.getTime() + (current.passwordWarningDays - next.passwordWarningDays) * DAY) };
}

/**
 * The time after which a password changed is still unexpired at `now` under the settings as they are
 * (passwordExpiresAt grows with the time of the change); null when none has expired (no maximum age, or
 * a grace covering every older password still running). A shortening's grace covers only those.
 */
function unexpiredSince(current: SecuritySettings, now: Date): Date | null {
  if (current.passwordMaxAgeDays <= 0) return null;
  const byAge = now.getTime() - current.passwordMaxAgeDays * DAY;
  const shortened = current.passwordMaxAgeShortenedAt;
  if (!shortened || shortened.getTime() + current.passwordWarningDays * DAY <= now.getTime()) return new Date(byAge);
  // An earlier shortening's grace still runs: the passwords it covers (changed after its own bound) are unexpired too.
  const from = current.passwordGraceFrom;
  return from === null ? null : new Date(Math.min(from.getTime(), byAge));
}

/**
 * What a save writes: the fields its editor changed from what they saw (`opened`; without it, what is
 * stored now), over what is stored now. A field someone else changed meanwhile to another value is
 * refused, naming the value now stored: never overwritten unseen.
 */
function merged(current: Values, input: SecuritySettingsInput): Values {
  const seen = input.opened === undefined ? current : openedValues(input.opened);
  const next = { ...current };
  const clashes: FieldErrors = {};
  for (const key of KEYS) {
    if (input[key] === seen[key]) continue;
    // (Two yes/no changes never clash: both editors moved it off what they saw, so to the same value.)
    if (current[key] !== seen[key] && current[key] !== input[key] && key in LABELS)
      clashes[key] = [`${LABELS[key as keyof typeof LABELS]} was changed to ${String(current[key])} by someone else after you opened this page. Save again to use ${String(input[key])}.`];
    Object.assign(next, { [key]: input[key] });
  }
  if (Object.keys(clashes).length > 0)
    throw new StaleEditError('Someone else saved the security settings after you opened this page, so yours are not saved yet. The page now shows their values; what you typed is kept.', clashes);
  if (!warningBelowAge(next)) throw new AppError('invalid', 'Check the highlighted fields.', { passwordWarningDays: [WARNING_NOT_BELOW_AGE] });
  return Object.fromEntries(KEYS.map((key) => [key, next[key]])) as Values;
}

function openedValues(json: string): Values {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = null;
  }
  const parsed = fields.safeParse(value);
  if (!parsed.success) throw new AppError('invalid', 'This form is out of date. Reload the page and make your changes again.');
  return parsed.data;
}
