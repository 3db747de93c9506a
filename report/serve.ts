/**
 * `report --serve`: the report page on a small local HTTP server that follows the journal as it
 * grows. The page listens to /events (server-sent events) and fetches /data on each change; the
 * server polls the journal file's size and time. Bound to 127.0.0.1 unless told otherwise.
 */
import { statSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../core/index.ts';
import type { RecommendOptions } from '../analysis/recommend.ts';
import type { Study } from '../analysis/judging.ts';
import { pageContent, renderPage, type PageContent } from './html.ts';

interface ReportServer {
  url: string;
  /** Stops watching, ends every open event stream and closes the server. */
  close(): Promise<void>;
}

interface ServeOptions {
  port: number;
  host: string;
  /** How often the journal is checked, in milliseconds. */
  intervalMs?: number;
  log?: (line: string) => void;
}

/** Serves the report of the journal at `path`; `read` reads it (again on every change). */
export async function startReportServer(
  path: string,
  read: () => Study,
  options: RecommendOptions,
  serve: ServeOptions,
): Promise<ReportServer> {
  const load = (): PageContent => pageContent(read(), options, path);
  let content = load(); // a bad journal fails here, before the server starts
  let version = 0;
  const streams = new Set<ServerResponse>();

  const refresh = () => {
    try {
      content = load();
    } catch (error) {
      serve.log?.(`batchtune: ${path}: ${errorMessage(error)} (keeping the last good view)`);
      return;
    }
    version += 1;
    for (const stream of streams) stream.write(`event: update\ndata: ${version}\n\n`);
  };
  let last = signature(path);
  const onChange = () => {
    const now = signature(path);
    if (now !== last) {
      last = now;
      refresh();
    }
  };
  watchFile(path, { interval: serve.intervalMs ?? 500 }, onChange);

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
    } else if (url.pathname === '/') {
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(renderPage(content, { live: true }));
    } else if (url.pathname === '/data') {
      response
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
        .end(JSON.stringify({ ...content, version }));
    } else if (url.pathname === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(`retry: 1000\n\n`);
      streams.add(response);
      request.on('close', () => streams.delete(response));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(serve.port, serve.host, () => {
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    close: async () => {
      unwatchFile(path, onChange);
      for (const stream of streams) stream.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

function signature(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** Serves until SIGINT or SIGTERM, then closes cleanly; exit code 0. */
export async function serveReport(path: string, read: () => Study, options: RecommendOptions, serve: ServeOptions): Promise<number> {
  const log = serve.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const server = await startReportServer(path, read, options, { ...serve, log });
  log(`serving the report of ${path} at ${server.url} (updates as the journal grows; Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  log('stopped');
  return 0;
}
