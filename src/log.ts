import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stderr, so stdout stays clean for command output (render, webhook-config). */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { name: 'sgbridge' } }, pino.destination({ dest: 2, sync: false }));
}
