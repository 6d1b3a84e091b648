import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { waitFor } from './wait';

export const NGINX = '/usr/sbin/nginx';
export const hasNginx = existsSync(NGINX);

/** One line of the access log: what was asked, which Aula process answered it (null: nginx's cache did), and how. */
export interface NginxLogLine {
  uri: string;
  upstream: string | null;
  status: number;
  cacheStatus: string | null;
}

export interface RunningNginx {
  url: string;
  /** The access log so far. */
  log(): NginxLogLine[];
  close(): Promise<void>;
}

/**
 * The shipped config with this test's ports and folders; each line it changes must be found exactly once. The access log
 * is tab-separated: a request retried on the other process has the upstream "a, b".
 */
function renderNginxConfig(dir: string, ports: { a: number; b: number; nginx: number }): string {
  let conf = readFileSync(fileURLToPath(new URL('../../deploy/nginx/aula.conf', import.meta.url)), 'utf8');
  const swap = (from: string, to: string) => {
    expect(conf.split(from).length - 1, `deploy/nginx/aula.conf contains "${from}" once`).toBe(1);
    conf = conf.replace(from, to);
  };
  swap('server 127.0.0.1:8081 ', `server 127.0.0.1:${ports.a} `);
  swap('server 127.0.0.1:8082 ', `server 127.0.0.1:${ports.b} `);
  swap('listen 80;', `listen 127.0.0.1:${ports.nginx};`);
  swap('/var/cache/nginx/aula', path.join(dir, 'cache'));
  writeFileSync(path.join(dir, 'aula.conf'), conf);
  // Run as root, nginx's workers would be `nobody`, who cannot enter this test's private folders (the cache is in one).
  const main = `daemon off;
${process.getuid?.() === 0 ? 'user root;\n' : ''}master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 4096; }
http {
  log_format upstreams '$request_uri\t$upstream_addr\t$status\t$upstream_cache_status';
  access_log ${dir}/access.log upstreams;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/aula.conf;
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), main);
  return path.join(dir, 'nginx.conf');
}

/** Debian's nginx with deploy/nginx/aula.conf in front of two Aula processes on `ports.a` and `ports.b`. */
export async function startNginx(dir: string, ports: { a: number; b: number; nginx: number }): Promise<RunningNginx> {
  mkdirSync(dir, { recursive: true });
  const conf = renderNginxConfig(dir, ports);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${ports.nginx}`;
  await waitFor('nginx in front of Aula', async () => (await fetch(`${url}/health`).catch(() => null))?.ok === true, 15_000);
  const dash = (v: string | undefined) => (v === undefined || v === '-' ? null : v);
  return {
    url,
    log: () => {
      const file = path.join(dir, 'access.log');
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
        const [uri = '', upstream, status, cacheStatus] = l.split('\t');
        return { uri, upstream: dash(upstream), status: Number(status), cacheStatus: dash(cacheStatus) };
      });
    },
    async close() {
      if (!child.pid || child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    },
  };
}
