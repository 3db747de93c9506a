export { redisExecutor } from './definition.ts';
export { RedisExecutor } from './executor.ts';
export { RedisWorkerProcess, type RedisWorkerOptions } from './worker.ts';
export { RedisCheckpointStore } from './checkpoints.ts';
export { DEFAULT_PREFIX } from './protocol.ts';
