// A winston logger (debug and up, JSON) whose lines a test reads, and waits for as events: the
// Stream transport writes asynchronously, so a line may arrive a tick after the call that logged it.
import { EventEmitter, once } from 'node:events';
import { Writable } from 'node:stream';
import winston from 'winston';

export type Line = Record<string, unknown>;

export interface LogCapture {
  logger: winston.Logger;
  lines: Line[];
  /** The `count`th line, past or future, that matches. */
  waitLine(match: (l: Line) => boolean, count?: number): Promise<Line>;
}

export function captureLogger(): LogCapture {
  const lines: Line[] = [];
  const emitter = new EventEmitter();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      emitter.emit('line');
      done();
    },
  });
  const logger = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return {
    logger, lines,
    async waitLine(match, count = 1) {
      for (;;) {
        const found = lines.filter(match);
        if (found.length >= count) return found[count - 1]!;
        await once(emitter, 'line');
      }
    },
  };
}
