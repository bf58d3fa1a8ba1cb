import { ApiKey } from '../accounts/api-key.entity.js';
import { Organisation } from '../accounts/organisation.entity.js';
import { Session } from '../accounts/session.entity.js';
import { User } from '../accounts/user.entity.js';
import { AuditEntry } from '../common/audit-entry.entity.js';
import { SystemSetting } from '../common/system-setting.entity.js';

// Registration list (not a re-export barrel): every entity the DataSource maps. Add new entities here.
export const ENTITIES = [SystemSetting, AuditEntry, Organisation, User, Session, ApiKey];
