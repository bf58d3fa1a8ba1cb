import type { LatLon } from './route-walker.js';

// Routes the simulator knows by name. 'demo': Ordos (鄂尔多斯) → Dongsheng → Baotou → Hohhot along the G6/G65,
// roughly; the demo waybills use it as their planned route (src/demo/demo-waybills.seed.ts imports it).
export const SIMULATOR_ROUTES: Record<string, readonly LatLon[]> = {
  demo: [
    [39.6048, 109.7829],
    [39.8199, 109.9905],
    [40.1136, 110.0493],
    [40.5804, 110.0301],
    [40.6574, 110.5287],
    [40.7313, 111.0471],
    [40.8071, 111.4527],
    [40.8425, 111.7499],
  ],
};
