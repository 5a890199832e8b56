// The CSV export of a filtered audit view: streamed one keyset page at a time, so memory stays flat at
// any size, with every value that a spreadsheet would run as a formula neutralised (lib/spreadsheet-safety.ts).
import type { Queryable } from '@/db/client';
import type { AuditEvent } from '@/db/schema';
import type { Principal } from '@/lib/auth/principal';
import { csvLine } from '@/lib/spreadsheet-safety';
import { describeAuditEvent } from './describe';
import { auditNames } from './names';
import { auditPages, type AuditParams } from './search';

export const CSV_HEADER = ['Event', 'Time (UTC)', 'Actor type', 'Actor', 'Actor id', 'Action', 'Sentence', 'Target', 'Target id', 'Environment id', 'Changes', 'Detail', 'IP', 'User agent'];


function rowOf(event: AuditEvent, names: ReadonlyMap<string, string>) {
  const described = describeAuditEvent(event, names);
  return [
    event.id,
    event.at.toISOString(),
    event.actorType,
    (event.actorId && names.get(event.actorId)) || event.actorLabel,
    event.actorId,
    event.action,
    described.sentence,
    event.targetLabel,
    event.targetId,
    event.environmentId,
    described.changes.map((c) => `${c.field}: ${c.before} -> ${c.after}`).join('; '),
    event.detail,
    event.ip,
    event.userAgent,
  ];
}

/** The CSV as a byte stream: the next page is read only when the client has taken the previous one. */
export function auditCsvStream(q: Queryable, principal: Principal, params: AuditParams): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pages = auditPages(q, principal, { ...params, after: undefined });
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`\uFEFF${csvLine(CSV_HEADER)}`));
        return;
      }
      const { value, done } = await pages.next();
      if (done) return controller.close();
      const names = await auditNames(q, value, principal);
      controller.enqueue(encoder.encode(value.map((e) => csvLine(rowOf(e, names))).join('')));
    },
    async cancel() {
      await pages.return(undefined);
    },
  }, { highWaterMark: 1 });
}
