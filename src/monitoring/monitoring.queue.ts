import { z } from 'zod';

// The monitoring module's BullMQ queue and its jobs (declared in monitoring.module.ts).
export const MONITORING_QUEUE = 'monitoring';
export const CLOCK_JOB = 'monitor-clock'; // repeatable: clock-driven rules (offline, ETA overrun, expiries)
export const ESCALATE_JOB = 'alarm-escalate'; // delayed: an unacknowledged critical alarm escalates
export const CLOCK_SCHEDULER_ID = 'monitor-clock-every';

export const ClockJobSchema = z.object({ now: z.iso.datetime().optional() });
export type ClockJob = z.infer<typeof ClockJobSchema>;
export const EscalateJobSchema = z.object({ alarmId: z.uuid() });
export type EscalateJob = z.infer<typeof EscalateJobSchema>;
