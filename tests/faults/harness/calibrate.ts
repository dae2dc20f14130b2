/**
 * Sizes the fault suite's load to the machine it runs on. The cases offer a fixed crowd of
 * people; on a machine half as fast the same crowd is past the service's capacity there (found
 * on a CI machine whose CPU ran at half the speed of the one the suite was sized on: the
 * worker-kill case's backlog no longer drained in its minute). The invariants do not depend on
 * the load, so a slower machine gets a smaller crowd instead of longer time limits.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

/** The probe's time, in ms, on the machine the suite was sized on (scale 1 fits its 4 minutes). */
export const SIZED_ON_MS = 90;
/** Below this the cases carry too little work to say much; a slower machine is reported as such. */
const MIN_SCALE = 0.35;

/** A conversation-sized piece of what the service does per message: JSON, AES-GCM, SHA-256. */
function probeOnce(): number {
  const sample = {
    lang: 'ar',
    flow: 'request',
    answers: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field${i}`, `قيمة ${i}`])),
    history: Array.from({ length: 20 }, (_, i) => ({ at: new Date(0).toISOString(), text: `message ${i}` })),
  };
  const key = randomBytes(32);
  const start = performance.now();
  for (let i = 0; i < 3000; i++) {
    const text = JSON.stringify(sample);
    const cipher = createCipheriv('aes-256-gcm', key, randomBytes(12));
    cipher.update(text);
    cipher.final();
    createHash('sha256').update(text).digest('hex');
    JSON.parse(text);
  }
  return performance.now() - start;
}

/** The probe's best of four runs (the first warms up), and the load scale it gives. */
export function calibrate(): { probeMs: number; scale: number } {
  const probeMs = Math.min(...Array.from({ length: 4 }, probeOnce));
  const scale = Math.round(Math.min(1, Math.max(MIN_SCALE, SIZED_ON_MS / probeMs)) * 100) / 100;
  return { probeMs: Math.round(probeMs), scale };
}
