import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { backoffMs } from './wait';

export interface KeptConsumerOptions {
  /** A new consumer, with whatever listeners its owner needs (each restart calls it again). */
  create: () => Consumer;
  /** Connects, subscribes and runs the consumer it is given. */
  run: (consumer: Consumer) => Promise<void>;
  log: Logger;
}

/**
 * A kafkajs consumer kept running for as long as its owner wants it. kafkajs restarts a crashed consumer
 * itself only after retriable errors; after any other it has disconnected for good and says so only in a
 * CRASH event, which leaves a process that looks alive and consumes nothing: no supervisor restarts it.
 * This starts a fresh consumer after such a crash, with back-off, until stopped: under the batch
 * consumer, the read side's query server and the gateway's reply consumer and live feed.
 */
export class KeptConsumer {
  private consumer: Consumer;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private restartCount = 0;
  private crashed = false;

  constructor(private readonly options: KeptConsumerOptions) {
    this.consumer = this.adopt(options.create());
  }

  /** The consumer running now (another one after a restart). */
  get current(): Consumer {
    return this.consumer;
  }

  /** Fresh consumers started after crashes kafkajs would not restart. */
  restarts(): number {
    return this.restartCount;
  }

  /** False between such a crash and the next start: for readiness. */
  isRunning(): boolean {
    return !this.crashed;
  }

  async start(): Promise<void> {
    await this.options.run(this.consumer);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.consumer.disconnect();
  }

  private adopt(consumer: Consumer): Consumer {
    consumer.on(consumer.events.CRASH, (e) => {
      if (consumer !== this.consumer) return;
      this.options.log.error({ err: e.payload.error, restart: e.payload.restart }, 'consumer crashed');
      if (e.payload.restart || this.stopping) return;
      this.crashed = true;
      this.restartAfter(1);
    });
    return consumer;
  }

  private restartAfter(attempt: number): void {
    const waitMs = backoffMs(attempt, 500, 30_000);
    this.options.log.warn({ attempt, waitMs }, 'starting a new consumer after a crash');
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopping) return;
      void this.consumer.disconnect().catch(() => undefined);
      this.consumer = this.adopt(this.options.create());
      this.restartCount++;
      this.options.run(this.consumer).then(
        () => {
          this.crashed = false;
        },
        (err: unknown) => {
          this.options.log.error({ err, attempt }, 'restarting the consumer failed');
          void this.consumer.disconnect().catch(() => undefined);
          if (!this.stopping) this.restartAfter(attempt + 1);
        },
      );
    }, waitMs);
  }
}
