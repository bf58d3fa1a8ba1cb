// The vehicles module's BullMQ queue and its jobs (declared in vehicles.module.ts).
export const VEHICLES_QUEUE = 'vehicles';
export const EXPIRY_SCAN_JOB = 'certificate-expiry-scan';
export const FLEET_IMPORT_JOB = 'fleet-import';
