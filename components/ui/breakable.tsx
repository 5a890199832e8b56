import { Fragment } from 'react';

// An address's natural joints: after its @, and before a dot that has more of the word after it (never a
// sentence's final stop).
const JOINTS = /(?<=@)|(?=\.[\p{L}\p{N}])/u;

/**
 * Text for a narrow cell with `overflow-wrap: anywhere`: long addresses get places to break at their
 * joints ("name@example" / ".com."), so the cell wraps there rather than at an arbitrary character,
 * which put a message's final period on a line of its own. Anything still too long breaks anywhere.
 */
export function Breakable({ text }: { text: string }) {
  return text.split(JOINTS).map((part, i) => (
    <Fragment key={i}>
      {i > 0 && <wbr />}
      {part}
    </Fragment>
  ));
}
