import { Accounts1795920027131 } from './migrations/1795920027131-accounts.js';
import { Fleet1795920715137 } from './migrations/1795920715137-fleet.js';
import { Notifications1795921358779 } from './migrations/1795921358779-notifications.js';
import { IdentityIndexes1795921982062 } from './migrations/1795921982062-identity-indexes.js';
import { Waybills1795922123998 } from './migrations/1795922123998-waybills.js';
import { LoadingChecks1795923035310 } from './migrations/1795923035310-loading-checks.js';
import { Positions1795924000000 } from './migrations/1795924000000-positions.js';
import { Monitoring1795931511309 } from './migrations/1795931511309-monitoring.js';
import { TunnelZones1795940000000 } from './migrations/1795940000000-tunnel-zones.js';
import { JsonRecords1795950000000 } from './migrations/1795950000000-json-records.js';
import { PreTripInspections1795969553745 } from './migrations/1795969553745-pre-trip-inspections.js';
import { RuleStatesJson1795976000000 } from './migrations/1795976000000-rule-states-json.js';
import { WaybillsOnVehicleTrailer1796017868663 } from './migrations/1796017868663-waybills-on-vehicle-trailer.js';
import { AppendOnlyRecords1796020000000 } from './migrations/1796020000000-append-only-records.js';

// Registration list of migrations, oldest first. Never edit a migration that has landed; add a new one
// (npm run migration:generate -- <name>).
export const MIGRATIONS: Function[] = [Accounts1795920027131, Fleet1795920715137, Notifications1795921358779, IdentityIndexes1795921982062, Waybills1795922123998, LoadingChecks1795923035310, Positions1795924000000, Monitoring1795931511309, TunnelZones1795940000000, JsonRecords1795950000000, PreTripInspections1795969553745, RuleStatesJson1795976000000, WaybillsOnVehicleTrailer1796017868663, AppendOnlyRecords1796020000000];
