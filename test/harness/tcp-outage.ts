import { connect, createServer, type Socket } from 'node:net';
import { after } from 'node:test';

/**
 * A TCP relay to `target` that can be taken down and brought back: while down it drops
 * every open connection and refuses new ones, as a briefly unreachable server would. While
 * holding, open connections carry on but new ones are accepted and never answered, as behind
 * a route that drops packets: a client connecting then waits until its own timeout.
 */
export async function startTcpRelay(
  targetHost: string,
  targetPort: number,
): Promise<{ port: number; down(): void; hold(): void; up(): void }> {
  let isDown = false;
  let holding = false;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    if (holding) {
      open.add(client);
      client.on('close', () => open.delete(client));
      client.on('error', () => undefined);
      return;
    }
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    down: () => {
      isDown = true;
      for (const s of open) s.destroy();
    },
    hold: () => {
      holding = true;
    },
    up: () => {
      isDown = false;
      holding = false;
    },
  };
}
