import { rm } from 'node:fs/promises';
import QRCode from 'qrcode';
import { writeFileAtomic } from '../../models/whatsapp-session-store.js';

/** The QR code waiting to be scanned, as a PNG. */
export interface QrImage {
  png: Buffer;
  /** When WhatsApp issued it; it is replaced about every 20 seconds until scanned. */
  issuedAt: Date;
}

export interface QrDisplayOptions {
  /** Where the PNG is written (mode 0600: whoever scans it links a device to the account). */
  pngPath: string;
  /**
   * Prints the terminal rendering, only where a person watches a terminal (the bot passes it
   * when stderr is a TTY). Absent under a service manager: the code would land in the system
   * logs, and whoever reads it can link a device and read every beneficiary's chat.
   */
  print?: (text: string) => void;
  now?: () => Date;
}

/**
 * Shows the QR code that links the association's number where only the association sees it:
 * in the terminal when there is one, as an owner-only PNG file, and (through
 * {@link QrDisplay.current}) on the token-protected, audited admin endpoint; never in logs. Once the number is linked the code is withdrawn
 * everywhere: it would link another device to the account.
 */
export class QrDisplay {
  private image: QrImage | null = null;
  private generation = 0;
  private readonly now: () => Date;

  constructor(private readonly options: QrDisplayOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Where the PNG is written. */
  get pngPath(): string {
    return this.options.pngPath;
  }

  /** The code waiting to be scanned, or null when there is none. */
  current(): QrImage | null {
    return this.image;
  }

  async show(qr: string): Promise<void> {
    // A clear() (or a newer code) while this one is being drawn wins: the number was linked meanwhile.
    const generation = ++this.generation;
    const png = await QRCode.toBuffer(qr, { type: 'png', width: 480, margin: 2, errorCorrectionLevel: 'M' });
    const terminal = this.options.print ? await QRCode.toString(qr, { type: 'terminal', small: true }) : '';
    if (generation !== this.generation) return;
    this.image = { png, issuedAt: this.now() };
    this.options.print?.(
      `\nScan with WhatsApp on the association's phone (Settings → Linked devices → Link a device).\n${terminal}\nAlso in ${this.options.pngPath} and at GET /admin/whatsapp/qr.png\n`,
    );
    await writeFileAtomic(this.options.pngPath, png);
    if (this.image === null) await rm(this.options.pngPath, { force: true });
  }
  /** Withdraws the code: linked, logged out for good, or stopping. */
  async clear(): Promise<void> {
    this.generation += 1;
    this.image = null;
    await rm(this.options.pngPath, { force: true });
  }
}
