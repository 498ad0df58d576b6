// The demo server: a plain Node HTTP app run by `hotcycle master`. It answers with the
// text of message.txt from its generation's config snapshot, so editing that file and
// reloading shows a new generation taking over without refusing a connection.
//   GET /          the message, with X-Generation and X-Pid headers
//   GET /whoami    {pid, generation, message} as JSON
//   GET /slow?ms=N answers after N ms (an in-flight request across a reload)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { configDir, generation, serve } from 'hotcycle/worker';

const message = readFileSync(join(configDir, 'message.txt'), 'utf8').trim();

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://demo');
  res.setHeader('x-generation', String(generation));
  res.setHeader('x-pid', String(process.pid));
  if (url.pathname === '/whoami') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ pid: process.pid, generation, message }));
  } else if (url.pathname === '/slow') {
    const ms = Math.min(Number(url.searchParams.get('ms') ?? 1000), 60_000);
    console.log(`demo: slow request started (${ms} ms) on pid ${process.pid}`);
    setTimeout(() => res.end(`${message} (after ${ms} ms)\n`), ms);
  } else {
    res.end(`${message}\n`);
  }
});

await serve(server, {
  listener: 'http',
  onShutdown: (signal) => console.log(`demo: ${signal}: draining (pid ${process.pid}, generation ${generation})`),
});
