import { createServer } from 'node:net';

/**
 * A port that is free right now, chosen below the kernel's ephemeral range (32768 and up on Linux), where
 * outgoing connections take their local ports and could collide with a service about to listen.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10000 + Math.floor(Math.random() * 22000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found below the ephemeral range');
}
