// The search fragments `bench:users` sweeps: drawn with a fixed seed from the seeded users themselves
// (the seeder is deterministic, so the same N gives the same fragments): whole common surnames, 2-6
// character pieces of names and of emails, accented pieces and their unaccented forms, digits, and
// fragments that match nobody.
import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { rows } from '@/lib/db-rows';

export type Fragment = { q: string; kind: string };

function random(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

const unaccent = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

export async function drawFragments(db: Db, userCount: number, count: number, seed = 20261125): Promise<Fragment[]> {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const piece = (s: string) => {
    const length = Math.min(s.length, 2 + Math.floor(next() * 5));
    const start = Math.floor(next() * (s.length - length + 1));
    return s.slice(start, start + length);
  };
  // Users by the index the seeder puts in every email ("first.last.<i>@example.com"): the same rows
  // every time, found through the trigram index.
  const sample: { firstName: string; lastName: string; email: string }[] = [];
  while (sample.length < 400) {
    const i = Math.floor(next() * userCount);
    const found = await rows<{ first_name: string; last_name: string; email: string }>(
      db,
      sql`select first_name, last_name, email from users where search_text like ${`%.${i}@example.com`} limit 1`,
    );
    if (found[0]) sample.push({ firstName: found[0].first_name, lastName: found[0].last_name, email: found[0].email });
  }
  const surnames = new Map<string, number>();
  for (const u of sample) surnames.set(u.lastName, (surnames.get(u.lastName) ?? 0) + 1);
  // The most frequent surnames of the sample are the common ones.
  const common = [...surnames].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => name);
  const accented = sample.flatMap((u) => [u.firstName, u.lastName]).filter((s) => unaccent(s) !== s);

  const fragments: Fragment[] = [];
  const seen = new Set<string>();
  const add = (q: string, kind: string) => {
    if (q.trim().length === 0 || seen.has(`${kind}:${q}`)) return false;
    seen.add(`${kind}:${q}`);
    fragments.push({ q, kind });
    return true;
  };
  const share = (n: number) => Math.round((count * n) / 100);
  let attempts = 0;
  const more = (n: number) => fragments.length < share(n) && ++attempts < 100_000;
  for (const name of common.slice(0, share(10))) add(name, 'surname');
  while (more(35)) add(piece(pick(sample)[next() < 0.5 ? 'firstName' : 'lastName']), 'name piece');
  while (more(60)) add(piece(pick(sample).email), 'email piece');
  while (more(75)) {
    // An accented piece (keeping its accented letter) and the same piece without accents.
    const name = pick(accented);
    const at = [...name].findIndex((c) => unaccent(c) !== c);
    const length = 2 + Math.floor(next() * 5);
    const start = Math.max(0, Math.min(at - Math.floor(next() * length), name.length - length));
    const q = name.slice(start, start + length);
    add(q, 'accented');
    add(unaccent(q), 'unaccented');
  }
  while (more(88)) {
    const digits = pick(sample).email.replace(/\D/g, '');
    add(piece(digits.length >= 2 ? digits : `${digits}0`), 'digits');
  }
  const letters = 'bcdfghjkmnpqvwxz';
  while (fragments.length < count && ++attempts < 100_000) {
    const q = Array.from({ length: 3 + Math.floor(next() * 4) }, () => pick([...letters])).join('');
    const [hit] = await rows<{ n: number }>(db, sql`select 1 as n from users where search_text like ${`%${q}%`} limit 1`);
    if (!hit) add(q, 'no hits');
  }
  return fragments.slice(0, count);
}
