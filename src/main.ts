import { createAula } from './app';
import { ConfigError, loadConfig } from './config';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`aula: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const aula = await createAula(config);
  await aula.listen();
  if (!aula.media.available) process.stderr.write(`aula: media processing is unavailable: ${aula.media.reason}; recordings cannot be processed until it is installed\n`);
  const url = config.publicUrl;
  const lines = [
    '',
    `  Aula is running at ${url}`,
    `  Sign in:      ${url}/login`,
    `  API docs:     ${url}/docs`,
  ];
  if (aula.demo) {
    lines.push('', '  Demo workspace created (set AULA_DEMO=0 to skip). Sign in with:');
    for (const a of aula.demo.accounts) lines.push(`    ${a.role.padEnd(10)} ${a.email.padEnd(24)} password: ${a.password}`);
    lines.push('  These passwords are shown only once.');
  }
  lines.push(
    '',
    config.adminKey
      ? '  Admin API key: the value of AULA_ADMIN_KEY.'
      : '  Admin API key: sign in as an admin and POST /api/v1/api-keys, or set AULA_ADMIN_KEY.',
    '',
  );
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    aula.logger.info({ signal }, 'shutting down');
    await aula.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  // A setting checked during start (a hostname that does not resolve) reads like a validation error.
  if (err instanceof ConfigError) {
    process.stderr.write(`aula: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`aula: failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
