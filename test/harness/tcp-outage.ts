import { connect, createServer, type Socket } from 'node:net';
import { after } from 'node:test';

/**
 * A TCP relay to `target` that can be taken down and brought back: while down it drops
 * every open connection and refuses new ones, as a briefly unreachable server would. While
 * holding, open connections carry on but new ones are accepted and never answered, as behind
 * a route that drops packets: a client connecting then waits until its own timeout. Frozen,
 * the connections open at that moment stop carrying bytes without closing, as through a
 * firewall or NAT that forgot them, while new ones work.
 */
export async function startTcpRelay(
  targetHost: string,
  targetPort: number,
): Promise<{ port: number; down(): void; hold(): void; up(): void; freezeOpen(): void }> {
  let isDown = false;
  let holding = false;
  const open = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
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
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(
    () =>
      new Promise<void>((resolve) => {
        // A frozen connection never sees its peer close: it would hold the server open.
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  );
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
    freezeOpen: () => {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
      pairs.clear();
    },
    up: () => {
      isDown = false;
      holding = false;
    },
  };
}
