import { startLocalHost } from './host.js';

// The function host process that `npm start` supervises: serves the function table on
// PROMOTER_LOCAL_PORT (default 7071) with settings from the environment. Its `promotions`
// queue is kept in Azurite (`<PROMOTER_TABLE_PREFIX>localqueue`): what it acknowledged
// outlives a kill of this process and is delivered by the next one.
const port = Number(process.env.PROMOTER_LOCAL_PORT ?? '7071');
const host = await startLocalHost({ port, env: process.env, durableQueue: {} });
console.log(`promoter host listening on ${host.url}`);
const stop = () => {
  void host.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
