/**
 * The service's Prometheus metrics, owned by one registry per instance.
 *
 * Labels carry channel names, outcomes, queue names and job states only: never
 * a chat, user or message id, which would both identify people and make the
 * series count grow without bound.
 *
 * @packageDocumentation
 */

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { withTimeout } from '../timeout.js';

/** What became of one inbound message. */
export type InboundOutcome = 'handled' | 'duplicate' | 'set_aside' | 'flooded';

/** What became of one attempt to send an outbound message. */
export type OutboundOutcome = 'sent' | 'failed' | 'retried' | 'undelivered';

/** The number of jobs in one state of one queue, as the queue reports it. */
export interface QueueJobCount {
  /** The queue name, such as `outbound`. */
  queue: string;
  /** The job state, such as `waiting`, `active`, `delayed` or `failed`. */
  state: string;
  /** How many jobs are in that state. */
  count: number;
}

/** Reads the current job counts of every queue; called on each scrape. */
export type QueueJobsSource = () => Promise<readonly QueueJobCount[]>;

/** Options for {@link Metrics}. */
export interface MetricsOptions {
  /** Collect Node's default process metrics (`intake_process_*`, `intake_nodejs_*`). Default true. */
  defaultMetrics?: boolean;
  /**
   * Called when the queue job source fails or is too slow during a scrape. The
   * scrape still succeeds, without queue series, so one slow Redis does not take
   * every other metric with it.
   */
  onCollectError?: (err: unknown) => void;
  /** How long a scrape waits for the queue job source, in milliseconds. Default 1500. */
  collectTimeoutMs?: number;
}

const PREFIX = 'intake_';

/**
 * Seconds from receiving an inbound message to having written its step: from
 * well under a millisecond for the engine alone to seconds with a slow
 * database.
 */
const STEP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The service's metrics: counters, gauges and a histogram in a registry of
 * their own.
 *
 * Each instance has its own {@link Registry} rather than prom-client's global
 * one, so tests (and a process running several roles) can create more than one
 * without "metric already registered" errors.
 */
export class Metrics {
  /** The registry every metric of this instance is registered in. */
  readonly registry: Registry;

  /** Inbound messages by channel and outcome. */
  readonly inboundMessages: Counter<'channel' | 'outcome'>;
  /** Outbound send attempts by channel and outcome. */
  readonly outboundMessages: Counter<'channel' | 'outcome'>;
  /** Seconds spent handling one inbound message through a conversation step. */
  readonly stepDuration: Histogram;
  /** Cases submitted, by channel. */
  readonly casesSubmitted: Counter<'channel'>;
  /** Jobs per queue and state, read from the queue job source on each scrape. */
  readonly queueJobs: Gauge<'queue' | 'state'>;
  /** 1 while a channel is connected and receiving, 0 while it is not. */
  readonly channelUp: Gauge<'channel'>;
  /** 1 for the WhatsApp link's current status, 0 for the others. */
  readonly whatsappLink: Gauge<'status'>;
  /** WhatsApp clients replaced, by why. */
  readonly whatsappRebuilds: Counter<'reason'>;
  /** Backups of the linked WhatsApp session, by outcome. */
  readonly whatsappBackups: Counter<'outcome'>;
  /** WhatsApp catch-up rounds, and what they did: chats by outcome, messages received, time. */
  readonly whatsappCatchUpChats: Counter<'outcome'>;
  readonly whatsappCatchUpMessages: Counter;
  readonly whatsappCatchUpSeconds: Histogram;
  /** Errors nothing else caught that reached the process, by where they came from. */
  readonly unhandledErrors: Counter<'source'>;

  private queueJobsSource: QueueJobsSource | undefined;

  constructor(options: MetricsOptions = {}) {
    const { defaultMetrics = true, onCollectError, collectTimeoutMs = 1500 } = options;
    this.registry = new Registry();
    if (defaultMetrics) {
      collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    }
    const registers = [this.registry];

    this.inboundMessages = new Counter({
      name: `${PREFIX}inbound_messages_total`,
      help: 'Inbound messages by channel and outcome (handled, duplicate, set_aside, flooded: refused by flood control).',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.outboundMessages = new Counter({
      name: `${PREFIX}outbound_messages_total`,
      help: 'Outbound send attempts by channel and outcome (sent, failed, retried, undelivered: refused for good and recorded).',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.stepDuration = new Histogram({
      name: `${PREFIX}step_duration_seconds`,
      help: 'Seconds spent handling one inbound message through a conversation step, write included.',
      buckets: STEP_BUCKETS,
      registers,
    });
    this.casesSubmitted = new Counter({
      name: `${PREFIX}cases_submitted_total`,
      help: 'Cases submitted, by channel.',
      labelNames: ['channel'],
      registers,
    });
    this.channelUp = new Gauge({
      name: `${PREFIX}channel_up`,
      help: '1 while a channel is connected and receiving, 0 otherwise.',
      labelNames: ['channel'],
      registers,
    });

    this.whatsappLink = new Gauge({
      name: `${PREFIX}whatsapp_link_status`,
      help: "The WhatsApp link's status: 1 for the current one (starting, waiting_for_qr, linked, disconnected, reconnecting, logged_out).",
      labelNames: ['status'],
      registers,
    });

    this.whatsappRebuilds = new Counter({
      name: `${PREFIX}whatsapp_client_rebuilds_total`,
      help: 'WhatsApp clients replaced, by reason (start_failed, start_timeout, ready_timeout, disconnected, fatal_state, auth_failure, browser_gone, state_check, fault).',
      labelNames: ['reason'],
      registers,
    });
    this.whatsappBackups = new Counter({
      name: `${PREFIX}whatsapp_session_backups_total`,
      help: 'Backups of the linked WhatsApp session, by outcome (stored, failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.whatsappCatchUpChats = new Counter({
      name: `${PREFIX}whatsapp_catch_up_chats_total`,
      help: 'Chats WhatsApp catch-up rounds dealt with, by outcome (read; failed: to be read again; left: not reached within the round budget).',
      labelNames: ['outcome'],
      registers,
    });
    this.whatsappCatchUpMessages = new Counter({
      name: `${PREFIX}whatsapp_catch_up_messages_total`,
      help: 'Messages WhatsApp catch-up rounds read back and received (already received ones included).',
      registers,
    });
    this.whatsappCatchUpSeconds = new Histogram({
      name: `${PREFIX}whatsapp_catch_up_seconds`,
      help: 'How long each WhatsApp catch-up round took.',
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300],
      registers,
    });
    this.unhandledErrors = new Counter({
      name: `${PREFIX}unhandled_errors_total`,
      help: 'Errors nothing else caught that reached the process, by source (whatsapp: the client is rebuilt; other: the process ends).',
      labelNames: ['source'],
      registers,
    });

    // prom-client calls collect with the gauge as `this`; an arrow function keeps
    // this instance instead, so read the gauge from the closure.
    const readQueueJobs = async (): Promise<void> => {
      const gauge = this.queueJobs;
      const source = this.queueJobsSource;
      // Reset first: a queue or state that no longer reports must not keep its last value.
      gauge.reset();
      if (source === undefined) {
        return;
      }
      try {
        const counts = await withTimeout(source(), collectTimeoutMs);
        for (const { queue, state, count } of counts) {
          gauge.set({ queue, state }, count);
        }
      } catch (err) {
        onCollectError?.(err);
      }
    };
    this.queueJobs = new Gauge({
      name: `${PREFIX}queue_jobs`,
      help: 'Jobs per queue and state, read when scraped.',
      labelNames: ['queue', 'state'],
      registers,
      collect: readQueueJobs,
    });
  }

  /** The Content-Type of {@link Metrics.render}'s output. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Counts one inbound message with its outcome. */
  inboundMessage(channel: string, outcome: InboundOutcome): void {
    this.inboundMessages.inc({ channel, outcome });
  }

  /** Counts one outbound send attempt with its outcome. */
  outboundMessage(channel: string, outcome: OutboundOutcome): void {
    this.outboundMessages.inc({ channel, outcome });
  }

  /** Records how long one step took, in seconds. */
  observeStep(seconds: number): void {
    this.stepDuration.observe(seconds);
  }

  /** Starts timing one step; call the returned function when it ends to record it (returns the seconds). */
  startStepTimer(): () => number {
    return this.stepDuration.startTimer();
  }

  /** Counts one submitted case. */
  caseSubmitted(channel: string): void {
    this.casesSubmitted.inc({ channel });
  }

  /** Marks a channel as up (connected and receiving) or down. */
  setChannelUp(channel: string, up: boolean): void {
    this.channelUp.set({ channel }, up ? 1 : 0);
  }

  /** Shows the WhatsApp link's status (and the channel as up only while linked). */
  setWhatsAppLink(status: string, all: readonly string[]): void {
    for (const each of all) this.whatsappLink.set({ status: each }, each === status ? 1 : 0);
    this.setChannelUp('whatsapp', status === 'linked');
  }

  /** A WhatsApp catch-up round's figures. */
  recordCatchUp(round: { chatsRead: number; chatsFailed: number; chatsLeft: number; messagesReceived: number; ms: number }): void {
    this.whatsappCatchUpChats.inc({ outcome: 'read' }, round.chatsRead);
    this.whatsappCatchUpChats.inc({ outcome: 'failed' }, round.chatsFailed);
    this.whatsappCatchUpChats.inc({ outcome: 'left' }, round.chatsLeft);
    this.whatsappCatchUpMessages.inc(round.messagesReceived);
    this.whatsappCatchUpSeconds.observe(round.ms / 1000);
  }

  /**
   * Sets where queue job counts come from; read on every scrape. The workers
   * role passes a function over its BullMQ queues' `getJobCounts()`.
   */
  setQueueJobsSource(source: QueueJobsSource | undefined): void {
    this.queueJobsSource = source;
  }

  /** Renders every metric in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
