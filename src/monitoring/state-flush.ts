// Spreading the write-behind of the vehicles' rule states (MonitoringService): a vehicle belongs to one of
// STATE_FLUSH_SLICES slices by its id, and one slice is written every MONITOR_STATE_FLUSH_MS / STATE_FLUSH_SLICES,
// so the database gets an even trickle instead of the whole fleet at once.
export const STATE_FLUSH_SLICES = 10;

// The slice of a vehicle: its id's last 8 hex digits (random in a v4 UUID) modulo the slices; 0 for an id that does
// not end in hex digits.
export function stateFlushSlice(vehicleId: string, slices: number): number {
  const n = Number.parseInt(vehicleId.slice(-8), 16);
  return Number.isFinite(n) ? n % slices : 0;
}
