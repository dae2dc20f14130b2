/**
 * Fault case 10: WhatsApp under load while its browser and link fail. The service runs WhatsApp
 * in a process as production does (bot and worker roles together, as WhatsApp requires), with
 * whatsapp-web.js's `Client` wired to the test process (harness/whatsapp-wire), where the phone
 * and each client's page live (the fake that follows the library's source). While people chat and submit
 * requests (a few switching from their number to their linked id, or the reverse, part-way):
 *
 * - every send fails for a few seconds (the page call errors);
 * - Chromium is killed, later the page crashes, later Chromium is killed again: each time the
 *   service must start a new client, read back what arrived meanwhile, and go on;
 * - the phone unlinks the device while a send is on its way, and links it again by the new QR
 *   code: the send that was in flight went out but its call failed.
 *
 * Pass: the process stays up; every message handled once; every reply delivered, in order; a
 * reply repeated only where a logout cut a send's answer; one case per request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { JobCounter } from './harness/jobs.js';
import { tallyChats } from './harness/ledger.js';
import { reported } from './harness/report.js';
import { Rig, STAFF_GROUP } from './harness/rig.js';
import { alongside, judge, scaled } from './harness/scenario.js';
import { samplePhoto, sleep, Transcripts, until } from './harness/traffic.js';
import { WhatsAppNetwork } from './harness/whatsapp-network.js';
import { converseWhatsApp, learnWhatsApp, WaPerson } from './harness/whatsapp-traffic.js';
import { quiet } from './harness/ledger.js';

const WIRE = fileURLToPath(new URL('./harness/whatsapp-wire/register.mjs', import.meta.url));
const CASE = '10-whatsapp-browser-and-link';
const TITLE = 'WhatsApp: Chromium killed twice, the page crashed, a logout mid-send, sends failing; people switching ids';

describe('fault case 10: WhatsApp losing its browser and its link under load', () => {
  let rig: Rig | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'faults-whatsapp-'));
  afterAll(async () => {
    await rig?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stays up, loses nothing and handles each message once', { timeout: 150_000 }, () =>
    reported(CASE, TITLE, async () => {
      const startedAt = Date.now();
      rig = await Rig.start();
      const network = new WhatsAppNetwork();
      const whatsapp = await rig.service(
        'bot,worker',
        // Replies as fast as the service makes them: the people here type faster than people.
        { WHATSAPP_ENABLED: 'on', WHATSAPP_DATA_DIR: dataDir, WHATSAPP_SEND_GAP_MS: '0' },
        { ipc: true, nodeArgs: ['--import', WIRE] },
        (child) => network.attach(child),
      );
      const jobs = new JobCounter(rig.redis.url, 'faults').start();
      await until(() => network.linked, 'WhatsApp linked', 30_000);

      const photo = await samplePhoto();
      const controls = [WaPerson.chatter(1), WaPerson.request(2)];
      const [chatter, request] = await Promise.all(controls.map((person) => learnWhatsApp(person, network, photo)));
      expect(request!.replies.some((reply) => reply.includes('SR-REF'))).toBe(true);
      const expected = (person: WaPerson) => (person.kind === 'chatter' ? chatter! : request!);

      const people: WaPerson[] = [];
      for (let i = 0; i < scaled(6); i++) {
        // Every third person is seen under their other id part-way; one of those wrote as `@lid` first.
        const switchAt = i % 3 === 0 ? 3 + (i % 5) : undefined;
        people.push(WaPerson.chatter(100 + 2 * i, switchAt, i === 3), WaPerson.request(101 + 2 * i, switchAt, i === 3));
      }
      for (const person of people) if (person.ids.length > 1) network.linkIds(person.number, person.lid);

      const events: string[] = [];
      const rebuilt = async (launches: number) => {
        await until(() => network.launches > launches && network.linked, 'a new WhatsApp client linked', 40_000);
        events.push(`relinked after ${Math.round((Date.now() - startedAt) / 1000)} s`);
      };
      const faults = (async () => {
        await sleep(2_000);
        network.failSends(true);
        await sleep(3_000);
        network.failSends(false);
        for (const lose of [() => network.killChromium(), () => network.crashPage(), () => network.killChromium()]) {
          await sleep(2_000);
          const launches = network.launches;
          lose();
          await rebuilt(launches);
        }
        await sleep(2_000);
        await network.logoutMidSend(800, 2_000);
      })();
      await alongside(faults, converseWhatsApp(people, expected, network, photo, { patienceMs: 2_500, deadlineMs: 100_000 }));

      const everyone = [...controls, ...people];
      const db = await rig.database();
      const behind = () => everyone.filter((p) => p.received(network).length < expected(p).replies.length);
      await until(
        async () => behind().length === 0 && (await quiet(db)),
        () => `every reply delivered (${behind().length} chats behind)`,
        40_000,
        200,
      );

      const tally = await tallyChats(
        db,
        rig.keys,
        everyone.map((p) => p.tallied(rig!.keys, network, expected(p))),
        Transcripts.of(rig.fake).all().get(STAFF_GROUP) ?? [],
      );
      const t = judge(
        rig,
        tally,
        {
          case: CASE,
          title: TITLE,
          startedAt,
          faults: {
            'Chromium killed': 2,
            'page crashed': 1,
            'logouts mid-send': 1,
            'clients started': network.launches,
            'people switching ids': people.filter((p) => p.ids.length > 1).length,
          },
          duplicateBound: network.answersLost,
          boundName: 'sends whose answer a logout cut (they went out)',
          notes: [...events, `${network.answersLost} send(s) went out while the logout cut their answer`],
          extraViolations: whatsapp.exit === null ? [] : [`the WhatsApp process exited: ${JSON.stringify(whatsapp.exit)}`],
        },
        await jobs.stop(),
      );
      expect(t.lost).toBe(0);
    }),
  );
});
