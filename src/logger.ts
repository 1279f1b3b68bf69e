/** Structured logs (pino) to stderr, with secrets redacted wherever they might appear. */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

const REDACTED_PATHS = [
  'token',
  '*.token',
  'auth',
  '*.auth',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'botToken',
  'appToken',
  'signingSecret',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  // A Workflow Builder step's execution token (`function_executed`), at any depth an event or step record puts it.
  'bot_access_token',
  '*.bot_access_token',
  '*.*.bot_access_token',
  'botAccessToken',
  '*.botAccessToken',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'quote-sync' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

/** A logger that drops everything, for tests and quiet command-line runs. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** `logger` with the job's id on every line: a logger that already names the job is kept as it is (pino would repeat the key). */
export function forJob(logger: Logger, jobId: string): Logger {
  return logger.bindings().jobId === jobId ? logger : logger.child({ jobId });
}
