import { createServer, type Server } from 'node:http';
import { productMetrics } from '../activities/metrics';

/**
 * Serves `/metrics`: the product's metrics followed by the Temporal SDK's own (workers,
 * pollers, task latencies), which the SDK exports on `sdkAddress`.
 */
export function startMetricsServer(host: string, port: number, sdkAddress: string | undefined): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      const own = await productMetrics.metrics();
      const sdk = sdkAddress
        ? await fetch(`http://${sdkAddress}/metrics`, { signal: AbortSignal.timeout(2000) })
            .then((r) => r.text())
            .catch(() => '')
        : '';
      res.writeHead(200, { 'content-type': productMetrics.contentType }).end(`${own}\n${sdk}`);
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
