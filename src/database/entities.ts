import { ApiKey } from '../accounts/api-key.entity.js';
import { Organisation } from '../accounts/organisation.entity.js';
import { Session } from '../accounts/session.entity.js';
import { User } from '../accounts/user.entity.js';
import { AuditEntry } from '../common/audit-entry.entity.js';
import { SystemSetting } from '../common/system-setting.entity.js';
import { Notification } from '../notifications/notification.entity.js';
import { WebhookDelivery } from '../notifications/webhook-delivery.entity.js';
import { WebhookEndpoint } from '../notifications/webhook-endpoint.entity.js';
import { BlacklistEntry } from '../vehicles/blacklist-entry.entity.js';
import { CarrierLicence } from '../vehicles/carrier-licence.entity.js';
import { CertificateReminder } from '../vehicles/certificate-reminder.entity.js';
import { Person } from '../vehicles/person.entity.js';
import { Tank } from '../vehicles/tank.entity.js';
import { Terminal } from '../vehicles/terminal.entity.js';
import { Vehicle } from '../vehicles/vehicle.entity.js';
import { IdempotencyKey } from '../common/idempotency-key.entity.js';
import { GoodsAddition } from '../dangerous-goods/goods-addition.entity.js';
import { Permit } from '../waybills/permit.entity.js';
import { Place } from '../waybills/place.entity.js';
import { PreTripInspection } from '../waybills/pre-trip-inspection.entity.js';
import { WaybillEvent } from '../waybills/waybill-event.entity.js';
import { WaybillLine } from '../waybills/waybill-line.entity.js';
import { WaybillVersion } from '../waybills/waybill-version.entity.js';
import { Waybill } from '../waybills/waybill.entity.js';
import { CheckPhoto } from '../loading-checks/check-photo.entity.js';
import { CheckRuleSetting } from '../loading-checks/check-rule-setting.entity.js';
import { LoadingCheck } from '../loading-checks/loading-check.entity.js';
import { LoadingRecord } from '../loading-checks/loading-record.entity.js';
import { Alarm } from '../monitoring/alarm.entity.js';
import { AlarmStep } from '../monitoring/alarm-step.entity.js';
import { VehicleRuleStateRow } from '../monitoring/vehicle-rule-state.entity.js';
import { Zone } from '../monitoring/zone.entity.js';

// Registration list (not a re-export barrel): every entity the DataSource maps. Add new entities here.
export const ENTITIES = [
  SystemSetting,
  AuditEntry,
  Organisation,
  User,
  Session,
  ApiKey,
  CarrierLicence,
  Vehicle,
  Tank,
  Person,
  Terminal,
  BlacklistEntry,
  Notification,
  WebhookEndpoint,
  WebhookDelivery,
  CertificateReminder,
  IdempotencyKey,
  GoodsAddition,
  Place,
  Permit,
  Waybill,
  WaybillLine,
  WaybillEvent,
  WaybillVersion,
  PreTripInspection,
  LoadingCheck,
  CheckPhoto,
  CheckRuleSetting,
  LoadingRecord,
  Alarm,
  AlarmStep,
  Zone,
  VehicleRuleStateRow,
];
