import { riyadhStamp } from '../core/calendar.js';

/*
 * How the admin CLI writes a command's result. Its own module, below the command
 * modules and the program that wires them (admin.ts), so neither imports the other.
 */

/** One cell of a table; dates are shown in Riyadh time, booleans as yes/no. */
export type Cell = string | number | boolean | Date | null | undefined;

/**
 * Where a command writes its result: readable text by default, JSON with `--json`.
 *
 * A command hands over both forms at once, so the choice between them is made in
 * one place and a command cannot forget to support `--json`.
 */
export interface CommandOutput {
  /** Rows under headers as aligned columns (or `empty` when there are none); `json` in JSON mode. */
  table(headers: string[], rows: Cell[][], json: unknown, empty: string): void;
  /** A one-line result; `json` in JSON mode. */
  message(text: string, json: unknown): void;
}

/**
 * Creates the output writer for one command run.
 *
 * @param options.json - write JSON (pretty-printed, dates as ISO strings) instead of text
 */
export function createOutput(options: { json: boolean; write: (text: string) => void }): CommandOutput {
  const { json, write } = options;
  const writeJson = (value: unknown) => write(`${JSON.stringify(value, null, 2)}\n`);
  return {
    table(headers, rows, value, empty) {
      if (json) return writeJson(value);
      if (rows.length === 0) return write(`${empty}\n`);
      write(
        formatTable(
          headers,
          rows.map((row) => row.map(formatCell)),
        ),
      );
    },
    message(text, value) {
      if (json) return writeJson(value);
      write(`${text}\n`);
    },
  };
}

function formatCell(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  if (cell instanceof Date) return riyadhStamp(cell);
  if (typeof cell === 'boolean') return cell ? 'yes' : 'no';
  return String(cell).replace(/\p{Cc}/gu, ' ');
}

/** Columns padded to their widest cell, two spaces apart, with no trailing spaces. */
function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(width(header), ...rows.map((row) => width(row[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))))
      .join('  ')
      .trimEnd();
  return [headers, ...rows].map((cells) => `${line(cells)}\n`).join('');
}

/** Terminal columns a string takes, near enough: code points, not counting combining marks such as Arabic harakat. */
function width(text: string): number {
  return [...text.replace(/\p{M}/gu, '')].length;
}
