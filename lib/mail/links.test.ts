import { describe, expect, it } from 'vitest';
import { linkParts } from './links';
import { invitationMail } from './templates';

const ORIGIN = 'https://users.acme.test';

describe('linkParts', () => {
  it('links the URL the template wrote, and not a URL a user typed into their name', () => {
    const mail = invitationMail('Acme', 'https://evil.example/login', `${ORIGIN}/set-password?token=abc`, 86_400_000);
    const parts = linkParts(mail.text, mail.links!, ORIGIN);
    expect(parts.filter((p) => p.href).map((p) => p.href)).toEqual([`${ORIGIN}/set-password?token=abc`]);
    expect(parts.map((p) => p.text).join('')).toBe(mail.text);
    expect(parts.find((p) => p.text.includes('evil.example'))?.href).toBeUndefined();
  });

  it('does not link a URL on the portal origin that the template did not write', () => {
    const mail = invitationMail('Acme', `${ORIGIN}/login?next=x`, `${ORIGIN}/set-password?token=abc`, 86_400_000);
    expect(linkParts(mail.text, mail.links!, ORIGIN).filter((p) => p.href).map((p) => p.href)).toEqual([`${ORIGIN}/set-password?token=abc`]);
  });

  it('does not link a stored link on another origin (a message queued under another public URL)', () => {
    const mail = invitationMail('Acme', 'Ann', 'https://evil.example/set-password?token=abc', 86_400_000);
    expect(linkParts(mail.text, mail.links!, ORIGIN).some((p) => p.href)).toBe(false);
    expect(linkParts('plain', ['not a url'], ORIGIN)).toEqual([{ text: 'plain' }]);
  });
});
