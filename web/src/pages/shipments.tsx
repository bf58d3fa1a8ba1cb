import { encode } from '@googlemaps/polyline-codec';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, qs, type Me } from '../api';
import { fmtTime, L, msg, STATUS, statusLabel, useLang } from '../i18n';
import { link, navigate } from '../router';

type Line = { lineNo: number; unNumber: string; name: string; hazardClass: string; packingGroup: string | null; labels: string[]; declaredQuantity: number; unit: string; packagingType: string | null; packageCount: number | null; loadedQuantity: number | null; loadedPackages?: number | null; receivedQuantity: number | null };
type Waybill = {
  id: string;
  number: string;
  version: number;
  status: string;
  shipperId: string;
  carrierId: string | null;
  consigneeId: string | null;
  vehicleId: string | null;
  trailerId: string | null;
  tankId: string | null;
  driverId: string | null;
  escortId: string | null;
  plannedDepartureAt: string | null;
  plannedArrivalAt: string | null;
  issuedAt: string | null;
  qr: string | null;
  lines: Line[];
  yourRoles?: string[];
  rowVersion: number;
};
type Problem = { code: string; message: string; messageZh: string; lineNo?: number };

export function ShipmentsPage({ me, path }: { me: Me; path: string }) {
  useLang();
  const id = path.split('/')[2];
  if (id === 'new') return <NewWaybill me={me} />;
  if (id) return <WaybillDetail id={id} me={me} />;
  return <WaybillList me={me} />;
}

const canCreate = (me: Me) => me.organisation.kind === 'shipper' && (me.roles.includes('shipper') || me.roles.includes('org_admin'));

function WaybillList({ me }: { me: Me }) {
  const [q, setQ] = useState('');
  const [plate, setPlate] = useState('');
  const [status, setStatus] = useState('');
  const [page, setPage] = useState<{ items: Waybill[]; total: number } | null>(null);
  const [error, setError] = useState('');
  const load = () =>
    api(`/waybills?${qs({ q, plate, status, limit: 100 })}`)
      .then(setPage)
      .catch((e) => setError(e.message));
  useEffect(() => {
    void load();
  }, [status]);
  return (
    <section class="page">
      <div class="row spread">
        <h1>{L('电子运单', 'Electronic waybills')}</h1>
        {canCreate(me) && (
          <a class="button primary" data-testid="new-waybill" href="/shipments/new" onClick={(e) => link(e, '/shipments/new')}>
            + {L('新建运单', 'New waybill')}
          </a>
        )}
      </div>
      <form
        class="row wrap filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <input data-testid="search-number" placeholder={L('运单号', 'Waybill number')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <input placeholder={L('车牌号', 'Plate')} value={plate} onInput={(e) => setPlate(e.currentTarget.value)} />
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">{L('全部状态', 'Any status')}</option>
          {Object.keys(STATUS)
            .filter((s) => s !== 'superseded')
            .map((s) => (
              <option value={s}>{statusLabel(s)}</option>
            ))}
        </select>
        <button>{L('查询', 'Search')}</button>
      </form>
      {error && <p class="error">{error}</p>}
      {page && (
        <div class="table-wrap">
          <table data-testid="waybill-list">
            <thead>
              <tr>
                <th>{L('运单号', 'Number')}</th>
                <th>{L('状态', 'Status')}</th>
                <th>{L('货物', 'Goods')}</th>
                <th>{L('计划起运', 'Departure')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((w) => (
                <tr>
                  <td>
                    <a href={`/shipments/${w.id}`} onClick={(e) => link(e, `/shipments/${w.id}`)}>
                      {w.number}
                    </a>
                  </td>
                  <td>
                    <span class={`status s-${w.status}`}>{statusLabel(w.status)}</span>
                  </td>
                  <td>{(w.lines ?? []).map((l) => `UN${l.unNumber}`).join(', ')}</td>
                  <td>{fmtTime(w.plannedDepartureAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!page.items.length && <p class="muted">{L('没有运单', 'No waybills')}</p>}
          <p class="muted">
            {L('共', 'Total')} {page.total}
          </p>
        </div>
      )}
    </section>
  );
}

type Place = { id: string; organisationId: string; kind: string; name: string; lat: number; lon: number };
type Goods = { unNumber: string; nameZh: string | null; names: string[]; hazardClass: string; packingGroups: string[] };
type DraftLine = { unNumber: string; query: string; name: string; hazardClass: string; packingGroup: string; packingGroups: string[]; labels: string[]; declaredQuantity: string; unit: string; packagingType: string; packageCount: string };

const emptyLine = (): DraftLine => ({ unNumber: '', query: '', name: '', hazardClass: '', packingGroup: '', packingGroups: [], labels: [], declaredQuantity: '', unit: 't', packagingType: '', packageCount: '' });
const localInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

// UN number or name, from the catalogue as you type.
function GoodsPicker({ line, onPick, index }: { line: DraftLine; onPick: (g: Goods) => void; index: number }) {
  const [text, setText] = useState(line.query);
  const [hits, setHits] = useState<Goods[]>([]);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => setText(line.query), [line.query]);
  return (
    <div class="autocomplete">
      <input
        data-testid={`goods-${index}`}
        placeholder={L('UN编号或品名，如 1203 或 汽油', 'UN number or name, e.g. 1203 or gasoline')}
        value={text}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setText(v);
          clearTimeout(timer.current);
          if (v.trim().length < 1) return setHits([]);
          timer.current = window.setTimeout(() => {
            api<{ items: Goods[] }>(`/dangerous-goods?${qs({ q: v.trim(), limit: 8 })}`)
              .then((r) => setHits(r.items))
              .catch(() => setHits([]));
          }, 200);
        }}
      />
      {!!hits.length && (
        <ul class="suggestions" data-testid={`suggestions-${index}`}>
          {hits.map((g) => (
            <li
              data-un={g.unNumber}
              onMouseDown={(e) => {
                e.preventDefault();
                setHits([]);
                onPick(g);
              }}
            >
              <b>UN{g.unNumber}</b> {g.nameZh ?? ''} <small>{g.names[0]}</small> <span class="tag">{L('类', 'Cl.')} {g.hazardClass}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function NewWaybill({ me }: { me: Me }) {
  const tomorrow = new Date(Date.now() + 86400000);
  tomorrow.setHours(8, 0, 0, 0);
  const [origins, setOrigins] = useState<Place[]>([]);
  const [destinations, setDestinations] = useState<Place[]>([]);
  const [carriers, setCarriers] = useState<string[]>([]);
  const [f, setF] = useState({
    originPlaceId: '',
    destinationPlaceId: '',
    carrierId: '',
    plannedDepartureAt: localInput(tomorrow),
    plannedArrivalAt: localInput(new Date(tomorrow.getTime() + 8 * 3600000)),
    emergencyContactName: '',
    emergencyContactPhone: '',
  });
  const [lines, setLines] = useState<DraftLine[]>([emptyLine()]);
  const [check, setCheck] = useState<{ problems: Problem[]; lines: { lineNo: number; labels: string[] }[] } | null>(null);
  const [error, setError] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  useEffect(() => {
    api<{ items: Place[] }>('/places?kind=loading_site&limit=200').then((r) => setOrigins(r.items));
    api<{ items: Place[] }>('/places?kind=unloading_site&limit=200').then((r) => setDestinations(r.items));
    api<{ items: Waybill[] }>('/waybills?limit=100').then((r) => setCarriers([...new Set(r.items.map((w) => w.carrierId).filter((x): x is string => !!x))]));
  }, []);
  // Mixed-loading conflicts and catalogue problems as the goods are typed (POST /waybills/goods-check).
  useEffect(() => {
    const chosen = lines.filter((l) => l.unNumber);
    if (!chosen.length) return setCheck(null);
    const t = setTimeout(() => {
      api('/waybills/goods-check', { method: 'POST', json: { lines: chosen.map((l) => ({ unNumber: l.unNumber, ...(l.packingGroup ? { packingGroup: l.packingGroup } : {}) })) } })
        .then(setCheck)
        .catch(() => setCheck(null));
    }, 150);
    return () => clearTimeout(t);
  }, [lines.map((l) => `${l.unNumber}/${l.packingGroup}`).join(',')]);

  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const setLine = (i: number, patch: Partial<DraftLine>) => setLines(lines.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const chosenIndex = (i: number) => lines.slice(0, i + 1).filter((l) => l.unNumber).length - 1;
  const origin = origins.find((p) => p.id === f.originPlaceId);
  const destination = destinations.find((p) => p.id === f.destinationPlaceId);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    setProblems([]);
    if (!origin || !destination) return setError(L('请选择起运地和目的地', 'Choose the origin and the destination'));
    try {
      const w = await api<Waybill>('/waybills', {
        method: 'POST',
        json: {
          consigneeId: destination.organisationId,
          carrierId: f.carrierId.trim(),
          loadingSiteId: origin.organisationId,
          originPlaceId: origin.id,
          destinationPlaceId: destination.id,
          plannedDepartureAt: new Date(f.plannedDepartureAt).toISOString(),
          plannedArrivalAt: new Date(f.plannedArrivalAt).toISOString(),
          // The planned route as drawn: origin to destination; the carrier may amend it with the real road route.
          plannedRoute: encode([
            [origin.lat, origin.lon],
            [destination.lat, destination.lon],
          ]),
          emergencyContactName: f.emergencyContactName,
          emergencyContactPhone: f.emergencyContactPhone,
          lines: lines
            .filter((l) => l.unNumber)
            .map((l) => ({
              unNumber: l.unNumber,
              ...(l.packingGroup ? { packingGroup: l.packingGroup } : {}),
              declaredQuantity: Number(l.declaredQuantity),
              unit: l.unit,
              ...(l.packagingType ? { packagingType: l.packagingType } : {}),
              ...(l.packageCount ? { packageCount: Number(l.packageCount) } : {}),
            })),
        },
      });
      navigate(`/shipments/${w.id}`);
    } catch (x) {
      const d = (x as ApiError).details as { problems?: Problem[]; fields?: { path: string; message: string }[] } | undefined;
      if (d?.problems) setProblems(d.problems);
      setError(d?.fields ? d.fields.map((f) => `${f.path}: ${f.message}`).join('; ') : (x as Error).message);
    }
  };

  return (
    <section class="page">
      <h1>{L('新建电子运单', 'New electronic waybill')}</h1>
      <form class="card form-grid" onSubmit={submit} data-testid="waybill-form">
        <label>
          {L('起运地（装货点）', 'Origin (loading site)')}
          <select data-testid="origin" value={f.originPlaceId} onChange={set('originPlaceId')} required>
            <option value="">—</option>
            {origins.map((p) => (
              <option value={p.id}>{p.name}</option>
            ))}
          </select>
        </label>
        <label>
          {L('目的地（卸货点）', 'Destination (unloading site)')}
          <select data-testid="destination" value={f.destinationPlaceId} onChange={set('destinationPlaceId')} required>
            <option value="">—</option>
            {destinations.map((p) => (
              <option value={p.id}>{p.name}</option>
            ))}
          </select>
        </label>
        <label>
          {L('承运人（单位编号）', 'Carrier (organisation id)')}
          <input data-testid="carrier" list="carriers" value={f.carrierId} onInput={set('carrierId')} required pattern="[0-9a-fA-F-]{36}" />
          <datalist id="carriers">
            {carriers.map((c) => (
              <option value={c} />
            ))}
          </datalist>
        </label>
        <label>
          {L('计划起运', 'Planned departure')}
          <input type="datetime-local" value={f.plannedDepartureAt} onInput={set('plannedDepartureAt')} required />
        </label>
        <label>
          {L('计划到达', 'Planned arrival')}
          <input type="datetime-local" value={f.plannedArrivalAt} onInput={set('plannedArrivalAt')} required />
        </label>
        <label>
          {L('应急联系人', 'Emergency contact')}
          <input data-testid="emergency-name" value={f.emergencyContactName} onInput={set('emergencyContactName')} required />
        </label>
        <label>
          {L('应急电话', 'Emergency phone')}
          <input data-testid="emergency-phone" value={f.emergencyContactPhone} onInput={set('emergencyContactPhone')} required />
        </label>
        <h2 class="span">{L('货物', 'Goods')}</h2>
        {lines.map((l, i) => {
          const checked = l.unNumber ? check?.lines[chosenIndex(i)] : undefined;
          return (
            <fieldset class="span goods-line" data-testid={`line-${i}`}>
              <GoodsPicker
                index={i}
                line={l}
                onPick={(g) =>
                  setLine(i, {
                    unNumber: g.unNumber,
                    query: `UN${g.unNumber} ${g.nameZh ?? g.names[0] ?? ''}`,
                    name: g.nameZh ?? g.names[0] ?? '',
                    hazardClass: g.hazardClass,
                    packingGroups: g.packingGroups,
                    packingGroup: g.packingGroups.length === 1 ? g.packingGroups[0]! : '',
                  })
                }
              />
              {l.unNumber && (
                <div class="filled" data-testid={`filled-${i}`}>
                  <span class="tag">UN{l.unNumber}</span>
                  <span>
                    {L('类别', 'Class')} <b data-testid={`class-${i}`}>{l.hazardClass}</b>
                  </span>
                  <span>
                    {L('包装类别', 'PG')}{' '}
                    {l.packingGroups.length > 1 ? (
                      <select value={l.packingGroup} onChange={(e) => setLine(i, { packingGroup: e.currentTarget.value })}>
                        <option value="">?</option>
                        {l.packingGroups.map((g) => (
                          <option>{g}</option>
                        ))}
                      </select>
                    ) : (
                      <b>{l.packingGroup || '—'}</b>
                    )}
                  </span>
                  <span>
                    {L('标志', 'Labels')} <b data-testid={`labels-${i}`}>{checked?.labels.join(', ') || '…'}</b>
                  </span>
                </div>
              )}
              <div class="row wrap">
                <input type="number" step="any" min="0" data-testid={`qty-${i}`} placeholder={L('数量', 'Quantity')} value={l.declaredQuantity} onInput={(e) => setLine(i, { declaredQuantity: e.currentTarget.value })} required />
                <select value={l.unit} onChange={(e) => setLine(i, { unit: e.currentTarget.value })}>
                  {['t', 'kg', 'L', 'm3'].map((u) => (
                    <option>{u}</option>
                  ))}
                </select>
                <input placeholder={L('包装（如 罐车、桶）', 'Packaging (tank, drums)')} value={l.packagingType} onInput={(e) => setLine(i, { packagingType: e.currentTarget.value })} />
                <input type="number" min="1" placeholder={L('件数', 'Packages')} value={l.packageCount} onInput={(e) => setLine(i, { packageCount: e.currentTarget.value })} />
                {lines.length > 1 && (
                  <button type="button" class="link" onClick={() => setLines(lines.filter((_, j) => j !== i))}>
                    {L('删除', 'Remove')}
                  </button>
                )}
              </div>
            </fieldset>
          );
        })}
        <button type="button" class="span" data-testid="add-line" onClick={() => setLines([...lines, emptyLine()])}>
          + {L('添加货物', 'Add goods')}
        </button>
        {!!check?.problems.length && (
          <ul class="span reasons fail" data-testid="goods-problems">
            {check.problems.map((p) => (
              <li data-code={p.code}>{msg(p)}</li>
            ))}
          </ul>
        )}
        {!!problems.length && (
          <ul class="span reasons fail">
            {problems.map((p) => (
              <li>{msg(p)}</li>
            ))}
          </ul>
        )}
        {error && <p class="span error">{error}</p>}
        <button class="primary span" data-testid="save-draft">
          {L('保存草稿', 'Save draft')}
        </button>
      </form>
    </section>
  );
}

type Doc = {
  shipper: { name: string } | null;
  consignee: { name: string } | null;
  carrier: { name: string } | null;
  origin: { name: string } | null;
  destination: { name: string } | null;
  vehicle: { plateNumber: string } | null;
  trailer: { plateNumber: string } | null;
  tank: { number: string } | null;
  driver: { name: string; idNumberMasked: string } | null;
  escort: { name: string; idNumberMasked: string } | null;
};

function WaybillDetail({ id, me }: { id: string; me: Me }) {
  const [w, setW] = useState<Waybill | null>(null);
  const [doc, setDoc] = useState<Doc | null>(null);
  const [error, setError] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [print, setPrint] = useState<string | null>(null);
  const load = async () => {
    try {
      const x = await api<Waybill>(`/waybills/${id}`);
      setW(x);
      if (x.issuedAt) setDoc((await api<{ document: Doc }>(`/waybills/${id}/document`)).document);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void load();
  }, [id]);
  const act = async (fn: () => Promise<unknown>) => {
    setError('');
    setProblems([]);
    try {
      await fn();
      await load();
    } catch (e) {
      const d = (e as ApiError).details as { problems?: Problem[] } | undefined;
      if (d?.problems) setProblems(d.problems);
      setError((e as Error).message);
    }
  };
  if (!w) return <section class="page">{error ? <p class="error">{error}</p> : '…'}</section>;
  const roles = w.yourRoles ?? [];
  return (
    <section class="page">
      <p>
        <a href="/shipments" onClick={(e) => link(e, '/shipments')}>
          ← {L('运单列表', 'Waybills')}
        </a>
      </p>
      <div class="row spread">
        <h1 data-testid="waybill-number">
          {w.number} <small>v{w.version}</small>
        </h1>
        <span class={`status big s-${w.status}`} data-testid="waybill-status" data-status={w.status}>
          {statusLabel(w.status)}
        </span>
      </div>
      <div class="card">
        <dl class="grid2">
          <dt>{L('计划时间', 'Planned')}</dt>
          <dd>
            {fmtTime(w.plannedDepartureAt)} → {fmtTime(w.plannedArrivalAt)}
          </dd>
          {doc && (
            <>
              <dt>{L('托运人', 'Shipper')}</dt>
              <dd>{doc.shipper?.name}</dd>
              <dt>{L('承运人', 'Carrier')}</dt>
              <dd>{doc.carrier?.name}</dd>
              <dt>{L('收货人', 'Consignee')}</dt>
              <dd>{doc.consignee?.name}</dd>
              <dt>{L('线路', 'Route')}</dt>
              <dd>
                {doc.origin?.name} → {doc.destination?.name}
              </dd>
              <dt>{L('车辆', 'Vehicle')}</dt>
              <dd>
                {doc.vehicle?.plateNumber} {doc.trailer ? `/ ${doc.trailer.plateNumber}` : ''} {doc.tank ? `· ${L('罐体', 'tank')} ${doc.tank.number}` : ''}
              </dd>
              <dt>{L('驾驶员 / 押运员', 'Driver / escort')}</dt>
              <dd>
                {doc.driver?.name} {doc.escort ? `/ ${doc.escort.name}` : ''}
              </dd>
            </>
          )}
        </dl>
        <LinesTable lines={w.lines} />
      </div>
      {problems.length > 0 && (
        <ul class="reasons fail" data-testid="issue-problems">
          {problems.map((p) => (
            <li data-code={p.code}>{msg(p)}</li>
          ))}
        </ul>
      )}
      {error && !problems.length && <p class="error">{error}</p>}
      <div class="row wrap actions">
        {(roles.includes('shipper') || roles.includes('carrier')) && w.status === 'draft' && (
          <button class="primary" data-testid="issue" onClick={() => act(() => api(`/waybills/${id}/issue`, { method: 'POST' }))}>
            {L('签发运单', 'Issue the waybill')}
          </button>
        )}
        {w.issuedAt && (
          <button
            data-testid="print"
            onClick={() =>
              act(async () => {
                setPrint(await api<string>(`/waybills/${id}/print`));
              })
            }
          >
            {L('打印视图', 'Print view')}
          </button>
        )}
      </div>
      {roles.includes('carrier') && w.status === 'draft' && <Dispatch w={w} onDone={load} />}
      {roles.includes('consignee') && w.status === 'arrived' && <Receipt w={w} onDone={load} />}
      {w.status === 'discrepancy' && <Discrepancy w={w} canResolve={roles.includes('shipper') || roles.includes('authority')} onDone={load} />}
      {print && (
        <div class="print-view" data-testid="print-view">
          <div class="row">
            <button onClick={() => (document.getElementById('print-frame') as HTMLIFrameElement).contentWindow?.print()}>{L('打印', 'Print')}</button>
            <button onClick={() => setPrint(null)}>{L('关闭', 'Close')}</button>
          </div>
          <iframe id="print-frame" title="print" srcDoc={print} sandbox="allow-modals allow-same-origin" />
        </div>
      )}
    </section>
  );
}

function LinesTable({ lines }: { lines: Line[] }) {
  return (
    <div class="table-wrap">
      <table data-testid="lines">
        <thead>
          <tr>
            <th>UN</th>
            <th>{L('品名', 'Name')}</th>
            <th>{L('类别', 'Class')}</th>
            <th>{L('包装类别', 'PG')}</th>
            <th>{L('标志', 'Labels')}</th>
            <th>{L('申报', 'Declared')}</th>
            <th>{L('装货', 'Loaded')}</th>
            <th>{L('收货', 'Received')}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr>
              <td>UN{l.unNumber}</td>
              <td>{l.name}</td>
              <td>{l.hazardClass}</td>
              <td>{l.packingGroup ?? '—'}</td>
              <td>{l.labels.join(', ')}</td>
              <td>
                {l.declaredQuantity} {l.unit}
              </td>
              <td>{l.loadedQuantity ?? '—'}</td>
              <td>{l.receivedQuantity ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type FleetItem = { id: string; plateNumber?: string; kind?: string; number?: string; name?: string; categories?: string[] };

// The carrier assigns its own vehicle, trailer, tank, driver and escort.
function Dispatch({ w, onDone }: { w: Waybill; onDone: () => void }) {
  const [vehicles, setVehicles] = useState<FleetItem[]>([]);
  const [tanks, setTanks] = useState<FleetItem[]>([]);
  const [people, setPeople] = useState<FleetItem[]>([]);
  const [d, setD] = useState({ vehicleId: w.vehicleId ?? '', trailerId: w.trailerId ?? '', tankId: w.tankId ?? '', driverId: w.driverId ?? '', escortId: w.escortId ?? '' });
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ items: FleetItem[] }>('/vehicles?limit=200').then((r) => setVehicles(r.items));
    api<{ items: FleetItem[] }>('/tanks?limit=200').then((r) => setTanks(r.items));
    api<{ items: FleetItem[] }>('/people?limit=200').then((r) => setPeople(r.items));
  }, []);
  const sel = (k: keyof typeof d, items: FleetItem[], label: (i: FleetItem) => string, optional = false) => (
    <select data-testid={`dispatch-${k}`} value={d[k]} onChange={(e) => setD({ ...d, [k]: e.currentTarget.value })} required={!optional}>
      <option value="">{optional ? L('（无）', '(none)') : '—'}</option>
      {items.map((i) => (
        <option value={i.id}>{label(i)}</option>
      ))}
    </select>
  );
  return (
    <form
      class="card form-grid"
      data-testid="dispatch"
      onSubmit={async (e) => {
        e.preventDefault();
        setError('');
        try {
          await api(`/waybills/${w.id}/dispatch`, {
            method: 'POST',
            json: { vehicleId: d.vehicleId, driverId: d.driverId, trailerId: d.trailerId || null, tankId: d.tankId || null, escortId: d.escortId || null },
          });
          onDone();
        } catch (x) {
          setError((x as Error).message);
        }
      }}
    >
      <h2 class="span">
        {L('调度车辆与人员', 'Dispatch vehicle and crew')}{' '}
        {w.vehicleId && (
          <span class="status s-issued" data-testid="dispatched">
            {L('已调度', 'dispatched')}
          </span>
        )}
      </h2>
      <label>
        {L('车辆', 'Vehicle')}
        {sel('vehicleId', vehicles.filter((v) => v.kind !== 'trailer'), (v) => v.plateNumber!)}
      </label>
      <label>
        {L('挂车', 'Trailer')}
        {sel('trailerId', vehicles.filter((v) => v.kind === 'trailer'), (v) => v.plateNumber!, true)}
      </label>
      <label>
        {L('罐体', 'Tank')}
        {sel('tankId', tanks, (t) => t.number!, true)}
      </label>
      <label>
        {L('驾驶员', 'Driver')}
        {sel('driverId', people.filter((p) => p.categories?.includes('driver')), (p) => p.name!)}
      </label>
      <label>
        {L('押运员', 'Escort')}
        {sel('escortId', people.filter((p) => p.categories?.includes('escort')), (p) => p.name!, true)}
      </label>
      {error && <p class="span error">{error}</p>}
      <button class="primary span" data-testid="dispatch-save">
        {L('保存调度', 'Save dispatch')}
      </button>
    </form>
  );
}

type ReconciliationIssue = { code: string; line: number | null; field: string | null; expected: number | null; actual: number | null; difference?: number | null; allowed: number | null; message: string };

// The server's message is English; in Chinese the issue is told from its fields.
const FIELD_ZH: Record<string, string> = { declared: '申报', loaded: '装货', received: '收货', packagesDeclared: '申报件数', packagesLoaded: '装货件数', packagesReceived: '收货件数', tolerance: '允许偏差' };
function issueText(i: ReconciliationIssue, unit: string): string {
  if (L('zh', 'en') === 'en') return i.message;
  const field = FIELD_ZH[i.field ?? ''] ?? i.field ?? '';
  const u = i.field?.startsWith('packages') ? '件' : ` ${unit}`;
  switch (i.code) {
    case 'QUANTITY_OUT_OF_TOLERANCE':
    case 'PACKAGE_COUNT_MISMATCH':
      return `${field} ${i.actual}${u}，应为 ${i.expected}${u}，相差 ${i.difference ?? (i.actual ?? 0) - (i.expected ?? 0)}${u}，${i.allowed === 0 ? '零容差' : `允许 ±${i.allowed}${u}`}`;
    case 'MISSING_RECEIVED':
    case 'MISSING_LOADED':
    case 'MISSING_PACKAGE_COUNT':
      return `缺少${field}数据`;
    default:
      return i.message;
  }
}

// What reconciliation found (the last reconcile-discrepancy event), and for the shipper or an authority of the
// region the resolution that closes the loop.
function Discrepancy({ w, canResolve, onDone }: { w: Waybill; canResolve: boolean; onDone: () => void }) {
  const [issues, setIssues] = useState<ReconciliationIssue[] | null>(null);
  const [sealsIntact, setSealsIntact] = useState(true);
  const [resolution, setResolution] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ items?: { type: string; payload: { issues?: ReconciliationIssue[]; sealsIntact?: boolean } }[] }>(`/waybills/${w.id}/events`)
      .then((res) => {
        const events = res.items ?? (res as unknown as { type: string; payload: { issues?: ReconciliationIssue[]; sealsIntact?: boolean } }[]);
        const last = [...events].reverse().find((e) => e.type === 'reconcile-discrepancy');
        setIssues(last?.payload.issues ?? []);
        setSealsIntact(last?.payload.sealsIntact ?? true);
      })
      .catch((x) => setError((x as Error).message));
  }, [w.id, w.version]);
  return (
    <form
      class="card"
      data-testid="discrepancy"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api(`/waybills/${w.id}/resolve`, { method: 'POST', json: { resolution } });
          onDone();
        } catch (x) {
          setError((x as Error).message);
        }
      }}
    >
      <h2>{L('收货差异', 'Delivery discrepancy')}</h2>
      <ul data-testid="discrepancy-issues">
        {!sealsIntact && <li data-code="SEALS_BROKEN">{L('铅封不完好', 'Seals not intact')}</li>}
        {(issues ?? []).map((i) => (
          <li data-code={i.code}>
            {i.line !== null ? `${L('第', 'Line ')}${i.line}${L('行', '')}: ` : ''}
            {issueText(i, w.lines.find((l) => l.lineNo === i.line)?.unit ?? '')}
          </li>
        ))}
      </ul>
      {canResolve && (
        <>
          <label>
            {L('处理结论', 'Resolution')}
            <textarea data-testid="resolution" required minLength={2} maxLength={2000} value={resolution} onInput={(e) => setResolution(e.currentTarget.value)} />
          </label>
          <button class="primary" data-testid="resolve">
            {L('处理并关闭', 'Resolve and close')}
          </button>
        </>
      )}
      {error && <p class="error">{error}</p>}
    </form>
  );
}

// The consignee confirms receipt: quantities, packages (for packaged lines), seals.
function Receipt({ w, onDone }: { w: Waybill; onDone: () => void }) {
  const [qty, setQty] = useState<Record<number, string>>({});
  const [pkgs, setPkgs] = useState<Record<number, string>>({});
  const expectedPackages = (l: Line) => l.loadedPackages ?? l.packageCount;
  const [sealsIntact, setSealsIntact] = useState(true);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  return (
    <form
      class="card"
      data-testid="receipt"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api(`/waybills/${w.id}/delivery`, {
            method: 'POST',
            json: {
              lines: w.lines.map((l) => {
                const packages = pkgs[l.lineNo] ?? (expectedPackages(l) === null || expectedPackages(l) === undefined ? undefined : String(expectedPackages(l)));
                return { lineNo: l.lineNo, receivedQuantity: Number(qty[l.lineNo] ?? l.loadedQuantity ?? l.declaredQuantity), ...(packages !== undefined ? { receivedPackages: Number(packages) } : {}) };
              }),
              sealsIntact,
              ...(note ? { note } : {}),
            },
          });
          onDone();
        } catch (x) {
          setError((x as Error).message);
        }
      }}
    >
      <h2>{L('收货确认', 'Confirm receipt')}</h2>
      {w.lines.map((l) => (
        <>
          <label>
            UN{l.unNumber} {l.name} ({L('装货', 'loaded')} {l.loadedQuantity ?? l.declaredQuantity} {l.unit})
            <input type="number" step="any" min="0" data-testid={`received-${l.lineNo}`} value={qty[l.lineNo] ?? String(l.loadedQuantity ?? l.declaredQuantity)} onInput={(e) => setQty({ ...qty, [l.lineNo]: e.currentTarget.value })} />
          </label>
          {expectedPackages(l) !== null && expectedPackages(l) !== undefined && (
            <label>
              {L('件数', 'Packages')} ({L('装货', 'loaded')} {expectedPackages(l)})
              <input type="number" step="1" min="0" data-testid={`received-packages-${l.lineNo}`} value={pkgs[l.lineNo] ?? String(expectedPackages(l))} onInput={(e) => setPkgs({ ...pkgs, [l.lineNo]: e.currentTarget.value })} />
            </label>
          )}
        </>
      ))}
      <label class="check">
        <input type="checkbox" checked={sealsIntact} onChange={(e) => setSealsIntact(e.currentTarget.checked)} />
        {L('铅封完好', 'Seals intact')}
      </label>
      <label>
        {L('备注', 'Note')}
        <input value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      {error && <p class="error">{error}</p>}
      <button class="primary" data-testid="receipt-confirm">{L('确认收货', 'Confirm receipt')}</button>
    </form>
  );
}
