// pino-roll ships no type declarations; this is the part of its API the service uses
// (node_modules/pino-roll/pino-roll.js, the JSDoc of its exported function).
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';

  interface PinoRollOptions {
    /** The log file's base name; a rotation number is put before the extension. */
    file: string;
    /** The size at which the file is rolled over: '500k', '10m', '1g'; a bare number is megabytes. */
    size?: number | string;
    frequency?: 'daily' | 'hourly' | number;
    /** Creates the folder when it does not exist. */
    mkdir?: boolean;
    /** Keeps `current.log` beside the files, pointing at the one being written. */
    symlink?: boolean;
    /** How many rolled files to keep besides the current one. */
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    /** The files' permissions (passed on to sonic-boom). */
    mode?: number;
  }

  /** A sonic-boom stream writing the current file. */
  interface RollingFile extends DestinationStream {
    flushSync(): void;
    end(): void;
    on(event: 'error', listener: (error: Error) => void): this;
  }

  export default function pinoRoll(options: PinoRollOptions): Promise<RollingFile>;
}
