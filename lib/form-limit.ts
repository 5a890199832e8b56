// The size limit of a form sent to a server action, shared by next.config.ts (the server's limit) and
// components/forms/form-size-guard.tsx (which stops a larger form in the browser with a clear message,
// since Next.js answers an oversized action with a bare error).
export const FORM_BODY_LIMIT_BYTES = 1024 * 1024;

// Multipart framing per field (boundary, Content-Disposition line), counted generously.
const PER_FIELD_OVERHEAD = 128;

/** Roughly the bytes a multipart/form-data body of these entries takes (never less). */
export function formBodySize(entries: Iterable<[string, FormDataEntryValue]>): number {
  const encoder = new TextEncoder();
  let size = 0;
  for (const [name, value] of entries)
    size += PER_FIELD_OVERHEAD + encoder.encode(name).length + (typeof value === 'string' ? encoder.encode(value).length : value.size);
  return size;
}

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;

export const formTooLargeMessage = (size: number, limit = FORM_BODY_LIMIT_BYTES) =>
  `This form is too large to send (${megabytes(size)}; the limit is ${megabytes(limit)}). Shorten the longest field and try again. Nothing was saved.`;
