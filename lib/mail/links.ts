// Which parts of a message /outbox may make clickable: only the links the template itself wrote
// (stored apart from the text when the message was queued), and only on the portal's own origin.
// Anything a user typed (a first name "https://evil.example/login") stays text.

export type TextPart = { text: string; href?: string };

export function linkParts(text: string, links: readonly string[], origin: string): TextPart[] {
  const own = links.filter((link) => {
    try {
      return new URL(link).origin === origin;
    } catch {
      return false;
    }
  });
  if (own.length === 0) return [{ text }];
  // Longest first, so a link that extends another is matched whole.
  const sorted = [...new Set(own)].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(sorted.map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > at) parts.push({ text: text.slice(at, match.index) });
    parts.push({ text: match[0], href: match[0] });
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
