import 'reflect-metadata';
import { ConfigError, getConfig } from './core/config/app-config.js';
import { createApp } from './bootstrap/create-app.js';
import { exitIfShutdownHangs } from './bootstrap/graceful-shutdown.js';

async function main(): Promise<void> {
  let config;
  try {
    config = getConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  exitIfShutdownHangs();
  if (config.runsApi) {
    await app.listen({ port: config.env.PORT, host: config.env.HOST });
    console.log(
      JSON.stringify({
        level: 'info',
        msg: `listening on ${config.env.PUBLIC_BASE_URL} (role ${config.role})`,
        port: config.env.PORT,
      }),
    );
  } else {
    await app.init();
    console.log(JSON.stringify({ level: 'info', msg: 'worker started (no HTTP)' }));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `Start-up failed: ${error.message}` : error);
  process.exit(1);
});
