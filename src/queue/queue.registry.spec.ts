import { buildRegistry, QueueWiringError, type BoundHandler } from './queue.registry.js';

const handler = (queue: string, name: string, where = 'VehiclesJobs.scan'): BoundHandler => ({
  queue,
  name,
  where,
  run: async () => undefined,
});

const wiringProblems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof QueueWiringError) return e.problems;
    throw e;
  }
  throw new Error('expected a QueueWiringError');
};

describe('buildRegistry', () => {
  it('should pair each declared job with its handler', () => {
    const scan = handler('vehicles', 'qualification-expiry-scan');
    const registry = buildRegistry([{ queue: 'vehicles', jobs: ['qualification-expiry-scan'], concurrency: 2 }], [scan]);
    expect(registry.get('vehicles')).toEqual({ concurrency: 2, jobs: new Map([['qualification-expiry-scan', scan]]) });
  });

  it('should name the queue and job of a declared job without a handler', () => {
    expect(() => buildRegistry([{ queue: 'vehicles', jobs: ['qualification-expiry-scan'] }], [])).toThrow(
      `job "qualification-expiry-scan" on queue "vehicles" is declared but has no handler`,
    );
  });

  it('should name the method handling an undeclared job', () => {
    const problems = wiringProblems(() =>
      buildRegistry([{ queue: 'vehicles', jobs: [] }], [handler('vehicles', 'reindex', 'VehiclesJobs.reindex'), handler('alarms', 'notify')]),
    );
    expect(problems).toEqual([
      expect.stringContaining('VehiclesJobs.reindex handles job "reindex" on queue "vehicles", which no module declares'),
      expect.stringContaining('handles job "notify" on queue "alarms", which no module declares'),
    ]);
  });

  it('should refuse two handlers for one job', () => {
    const problems = wiringProblems(() =>
      buildRegistry([{ queue: 'vehicles', jobs: ['scan'] }], [handler('vehicles', 'scan', 'A.scan'), handler('vehicles', 'scan', 'B.scan')]),
    );
    expect(problems).toEqual(['job "scan" on queue "vehicles" has two handlers: A.scan and B.scan']);
  });

  it('should merge declarations of one queue from several modules', () => {
    const registry = buildRegistry(
      [
        { queue: 'alarms', jobs: ['notify'] },
        { queue: 'alarms', jobs: ['escalate'], concurrency: 4 },
      ],
      [handler('alarms', 'notify'), handler('alarms', 'escalate')],
    );
    expect([...registry.get('alarms')!.jobs.keys()]).toEqual(['notify', 'escalate']);
    expect(registry.get('alarms')!.concurrency).toBe(4);
  });

  it('should refuse names that are not kebab-case', () => {
    expect(wiringProblems(() => buildRegistry([{ queue: 'Vehicles:x', jobs: ['Scan'] }], [handler('Vehicles:x', 'Scan')]))).toEqual([
      'queue name "Vehicles:x" must be lower-case kebab-case',
      'job name "Scan" on queue "Vehicles:x" must be lower-case kebab-case',
    ]);
  });
});
