import { Logger } from '@nestjs/common';

// Outgoing SMS for escalated alarms: an interface, so that an operator plugs in its SMS gateway (Aliyun, Tencent
// Cloud, a GSM modem...) without touching monitoring. SMS_CHANNEL (config/env.ts) picks the implementation.
export interface SmsChannel {
  readonly name: string;
  send(to: string, text: string): Promise<void>;
}

export const SMS_CHANNEL = Symbol('SMS_CHANNEL');

// Writes the message to the log instead of sending it: the default, so that a deployment sees what would go out.
export class LoggingSmsChannel implements SmsChannel {
  readonly name = 'log';
  readonly sent: { to: string; text: string }[] = [];
  private readonly logger = new Logger('Sms');
  async send(to: string, text: string): Promise<void> {
    if (this.sent.length < 1000) this.sent.push({ to, text });
    this.logger.log({ msg: 'SMS (logging channel, not sent)', to, text });
  }
}

export class NoSmsChannel implements SmsChannel {
  readonly name = 'none';
  async send(): Promise<void> {}
}
