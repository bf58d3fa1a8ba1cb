import 'reflect-metadata';
import { runServer } from './server.js';

runServer().catch((e) => {
  console.error(e);
  process.exit(1);
});
