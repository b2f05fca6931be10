import type { Producer } from 'kafkajs';
import { sendAll, type OutgoingMessage } from './kafka';

interface Waiting {
  message: OutgoingMessage;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Gathers messages sent at nearly the same moment into one produce request. An idempotent producer
 * keeps one request in flight, so sending each HTTP request's command on its own makes every command
 * wait for the previous one's acknowledgement; here the commands that arrive while a request is in
 * flight (or within `lingerMs`) go out together in the next one, each caller still learning its own
 * outcome. Per key, order is kept: messages go out in the order they were added.
 */
export class SendBatcher {
  private queue: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly producer: Producer,
    private readonly options: { lingerMs: number; batchSizeMax: number; acks?: -1 | 1 },
  ) {}

  send(message: OutgoingMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (this.queue.length >= this.options.batchSizeMax) this.flushSoon(0);
      else this.flushSoon(this.options.lingerMs);
    });
  }

  private flushSoon(delayMs: number): void {
    if (this.inFlight) return; // the running flush takes the queue when it is done
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delayMs);
  }

  private async flush(): Promise<void> {
    this.timer = null;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchSizeMax);
      this.inFlight = sendAll(
        this.producer,
        batch.map((w) => w.message),
        this.options.acks ?? -1,
      ).then(
        () => batch.forEach((w) => w.resolve()),
        (err: unknown) => batch.forEach((w) => w.reject(err)),
      );
      await this.inFlight;
      this.inFlight = null;
    }
  }
}
