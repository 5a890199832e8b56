// The Add and Edit forms post flat fields; this turns them into the shapes lib/users expects.
import { z } from 'zod';

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === '' ? [] : [String(v)]);

/** tagName[]/tagValue[] pairs, environmentIds, profile.<key>, and checkboxes, as structured input. */
export function userFormInput(raw: unknown) {
  const form = (raw ?? {}) as Record<string, unknown>;
  const names = list(form.tagName);
  const values = list(form.tagValue);
  const tags = names
    .map((name, i) => ({ name: name.trim(), value: (values[i] ?? '').trim() }))
    .filter((t) => t.name || t.value);
  const profile = Object.fromEntries(
    Object.entries(form)
      .filter(([key]) => key.startsWith('profile.'))
      .map(([key, value]) => [key.slice('profile.'.length), String(value)]),
  );
  return { ...form, environmentIds: list(form.environmentIds), tags, profile, inactive: form.inactive === 'on' };
}

export const fromUserForm = <S extends z.ZodType>(schema: S) => z.preprocess(userFormInput, schema);
