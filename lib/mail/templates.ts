// The emails Userdesk sends: plain, branded with the organization's name, as HTML and text.
// `links`: the URLs the template wrote, kept apart from the text so /outbox links only those.
export type Mail = { kind: string; subject: string; text: string; html: string; links?: string[] };

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function compose(kind: string, org: string, subject: string, paragraphs: string[], link?: { url: string; label: string }): Mail {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : []), `— ${org}`].join('\n\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;max-width:560px;margin:0 auto;padding:24px">
<p style="font-weight:600;color:#4338ca">${escape(org)}</p>
${paragraphs.map((p) => `<p>${escape(p)}</p>`).join('\n')}
${link ? `<p><a href="${escape(link.url)}" style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${escape(link.label)}</a></p><p style="font-size:12px;color:#475569">Or paste this address into your browser: ${escape(link.url)}</p>` : ''}
</body></html>`;
  return { kind, subject: `${subject} — ${org}`, text, html, links: link ? [link.url] : [] };
}

const lifetime = (ms: number) => {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
};

export const invitationMail = (org: string, name: string, url: string, expiresInMs: number) =>
  compose('invitation', org, 'You are invited to Userdesk', [
    `Hello ${name},`,
    `${org} has created an account for you. Choose your password to activate it. The link works once and expires in ${lifetime(expiresInMs)}.`,
  ], { url, label: 'Set your password' });

export const resetMail = (org: string, name: string, url: string, expiresInMs: number) =>
  compose('reset', org, 'Reset your password', [
    `Hello ${name},`,
    `A new password was requested for your account. Choose it with the link below; it works once and expires in ${lifetime(expiresInMs)}. If you did not ask for this, you can ignore this message.`,
  ], { url, label: 'Choose a new password' });

export const passwordChangedMail = (org: string, name: string) =>
  compose('password_changed', org, 'Your password was changed', [
    `Hello ${name},`,
    'The password of your account was just changed. If this was not you, contact your account manager at once.',
  ]);

export const lockedMail = (org: string, name: string, reason: 'failed_attempts' | 'password_expired', autoUnlockMinutes = 0) =>
  compose('locked', org, 'Your account is locked', [
    `Hello ${name},`,
    reason === 'password_expired'
      ? 'Your password expired, so your account was locked. Contact your account manager to get a new password.'
      : autoUnlockMinutes > 0
        ? `Your account was locked after too many failed sign-in attempts. It unlocks by itself ${lifetime(autoUnlockMinutes * 60_000)} after the lock; your account manager can unlock it sooner. If these attempts were not yours, choose a new password once you are back in.`
        : 'Your account was locked after too many failed sign-in attempts. Contact your account manager to unlock it.',
  ]);

/** To the last active Administrator, whose account is never locked (that would leave the organization without one). */
export const lockWithheldMail = (org: string, name: string, attempts: number) =>
  compose('lock_withheld', org, 'Failed sign-in attempts on your account', [
    `Hello ${name},`,
    `There were ${attempts} failed attempts to sign in to your account. It was not locked, because you are the organization's only active Administrator. If these were not you, choose a new, strong password now, and make a second person an Administrator.`,
  ]);

/** After a manager unlocks an account: the person knows they can sign in again, and whom to ask if not them. */
export const unlockedMail = (org: string, name: string, url: string) =>
  compose('unlocked', org, 'Your account was unlocked', [
    `Hello ${name},`,
    'Your account was unlocked. You can sign in again with your current password. If you did not ask for this, or do not remember your password, use "Forgot password?" on the sign-in page.',
  ], { url, label: 'Sign in' });

/** To the OLD address of an active user whose sign-in email was changed: a takeover must not go unnoticed. */
export const emailChangedMail = (org: string, name: string, newEmail: string) =>
  compose('email_changed', org, 'Your sign-in email was changed', [
    `Hello ${name},`,
    `The email you sign in with was changed to ${newEmail}. From now on, messages about your account go there, and links sent to this address no longer work. If you did not expect this, contact your account manager at once.`,
  ]);

/**
 * Credentials for an account created or changed through the API (AssureSign's sendCredentialsViaEmail).
 * It carries the sign-in name and a single-use link to choose a password, never a password: a link
 * expires and works once, a password in a mailbox does neither.
 */
export const credentialsMail = (org: string, name: string, email: string, url: string, expiresInMs: number) =>
  compose('credentials', org, 'Your sign-in details', [
    `Hello ${name},`,
    `${org} has set up your account. You sign in with your email address, ${email}. Choose your password with the link below; it works once and expires in ${lifetime(expiresInMs)}.`,
  ], { url, label: 'Choose your password' });

/** To each active Administrator: API users that stopped working because the inactivity job made their person inactive. */
export const apiUsersSuspendedMail = (org: string, name: string, stopped: { username: string; reason: string }[], url: string) =>
  compose('api_user_suspended', org, stopped.length === 1 ? `API user ${stopped[0]!.username} stopped working` : `${stopped.length} API users stopped working`, [
    `Hello ${name},`,
    `Automatic inactivation made people inactive who hold API users, so ${stopped.length === 1 ? 'this key now refuses' : 'these keys now refuse'} every call (403): ${stopped.map((k) => `${k.username} (${k.reason})`).join('; ')}.`,
    'Each works again once its person is active again (reactivate them on their profile). Or create a new API user and give its key to the integration.',
  ], { url, label: 'Open API Users' });

export const apiUserExpiringMail = (org: string, name: string, username: string, expiresAt: Date, url: string) =>
  compose('api_user_expiring', org, `API user ${username} expires soon`, [
    `Hello ${name},`,
    `The key of the API user ${username} expires on ${expiresAt.toISOString().slice(0, 10)} (UTC). Integrations using it will stop working then. Create a new API user and give its key to the integration before that date.`,
  ], { url, label: 'Open API Users' });
