// An in-process SMTP server that records what it accepts, for tests and `npm run bench:mail`:
// what it receives is what a real mail server would have accepted.
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** `session`: the SMTP connection it came on (smtp-server's session id). */
export type Received = { to: string; messageId: string; body: string; session: string };

/** An SMTP reply with a code: `refusal(550, 'No such user')`. */
export function refusal(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export type SinkOptions = {
  /** Refuse a recipient (return an error from `refusal`) or accept it (return nothing). */
  onRecipient?: (address: string) => Error | undefined;
  /** Runs after a message is received and recorded, before the server answers 250. */
  beforeAccept?: (message: Received) => Promise<void> | void;
  /** Keep each message's text (tests); the benchmark keeps only recipients and Message-IDs. */
  keepBodies?: boolean;
};

export async function startSink(options: SinkOptions = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 200,
    onRcptTo(address, _session, callback) {
      callback(options.onRecipient?.(address.address) ?? undefined);
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(body)?.[1] ?? '';
        const message = { to: session.envelope.rcptTo[0]?.address ?? '', messageId, body: options.keepBodies === false ? '' : body, session: session.id };
        received.push(message);
        Promise.resolve(options.beforeAccept?.(message)).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      });
    },
  });
  // A client that dies mid-conversation (the crash tests kill one) resets its socket: not the sink's failure.
  server.on('error', () => {});
  // Answers go out at once, as a tuned mail server's would (no Nagle delay on replies).
  server.server.on('connection', (socket: import('node:net').Socket) => socket.setNoDelay(true));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
