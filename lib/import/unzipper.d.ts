// The part of unzipper's API that lib/import/read.ts uses (the package ships no types).
declare module 'unzipper' {
  import type { Duplex, PassThrough } from 'node:stream';
  export interface Entry extends PassThrough {
    path: string;
    type: 'Directory' | 'File';
    autodrain(): void;
  }
  export function Parse(options?: { forceStream?: boolean }): Duplex;
  /** Random access through the zip's central directory. */
  export const Open: { file(path: string): Promise<{ files: { path: string; stream(): PassThrough }[] }> };
  const unzipper: { Parse: typeof Parse; Open: typeof Open };
  export default unzipper;
}
