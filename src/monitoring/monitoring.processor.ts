import { Injectable } from '@nestjs/common';
import { JobHandler } from '../queue/job-handler.decorator.js';
import { AlarmsService } from './alarms.service.js';
import { CLOCK_JOB, ClockJobSchema, ESCALATE_JOB, EscalateJobSchema, MONITORING_QUEUE, type ClockJob, type EscalateJob } from './monitoring.queue.js';
import { MonitoringService } from './monitoring.service.js';

// The monitoring queue's jobs: the clock rules every MONITOR_CLOCK_EVERY_MS, and the escalation of an
// unacknowledged critical alarm.
@Injectable()
export class MonitoringProcessor {
  constructor(
    private readonly monitoring: MonitoringService,
    private readonly alarms: AlarmsService,
  ) {}

  @JobHandler(MONITORING_QUEUE, CLOCK_JOB, ClockJobSchema)
  clock(data: ClockJob) {
    return this.monitoring.runClock(data.now ? new Date(data.now) : new Date());
  }

  @JobHandler(MONITORING_QUEUE, ESCALATE_JOB, EscalateJobSchema)
  async escalate(data: EscalateJob) {
    return { escalated: await this.alarms.escalate(data.alarmId) };
  }
}
