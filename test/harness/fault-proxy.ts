import { createServer, request, type Server } from 'node:http';
import { after } from 'node:test';

export type Fault = 'slow-down' | 'reset' | 'stall';

/**
 * An HTTP proxy in front of the S3 server that injects a fault into chosen requests (by
 * their 1-based order): 503 SlowDown, a connection reset, or a 3-second stall before
 * forwarding. Headers pass unchanged, so SigV4 signatures made for the proxy's host hold.
 */
export async function startFaultProxy(target: string, faults: Map<number, Fault>): Promise<{ endpoint: string; injected: Fault[] }> {
  const upstream = new URL(target);
  const injected: Fault[] = [];
  let seen = 0;
  const server: Server = createServer((req, res) => {
    seen += 1;
    const fault = faults.get(seen);
    if (fault) injected.push(fault);
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'slow-down') {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
      );
      return;
    }
    const forward = () => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
    };
    if (fault === 'stall') setTimeout(forward, 3000);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { endpoint: `http://127.0.0.1:${port}`, injected };
}
