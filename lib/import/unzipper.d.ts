// The part of unzipper's streaming API that lib/import/read.ts uses (the package ships no types).
declare module 'unzipper' {
  import type { Duplex, PassThrough } from 'node:stream';
  export interface Entry extends PassThrough {
    path: string;
    type: 'Directory' | 'File';
    autodrain(): void;
  }
  export function Parse(options?: { forceStream?: boolean }): Duplex;
  const unzipper: { Parse: typeof Parse };
  export default unzipper;
}
