import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { fmtTime, L, statusLabel } from '../i18n';
import { query } from '../router';
import { QrInput } from '../qr';

type Essentials = {
  number: string;
  version: number;
  issuedAt: string;
  shipper: string | null;
  consignee: string | null;
  carrier: string | null;
  origin: string | null;
  destination: string | null;
  plannedDepartureAt: string | null;
  plannedArrivalAt: string | null;
  vehicle: string | null;
  trailer: string | null;
  goods: { unNumber: string; name: string; hazardClass: string; packingGroup: string | null; quantity: number; unit: string; packageCount: number | null }[];
};
type Verdict = { genuine: boolean; known?: boolean; current?: boolean; status?: string; code?: string; currentVersion?: number; number?: string; waybill?: Essentials };

const WHY: Record<string, [string, string]> = {
  QR_BAD_SIGNATURE: ['签名不符：二维码内容被篡改或非本平台签发', 'The signature does not match: the code was altered or not issued here'],
  QR_MALFORMED: ['不是 Hazway 运单二维码', 'Not a Hazway waybill code'],
  QR_UNKNOWN_KEY: ['签名密钥未知', 'Signed with an unknown key'],
  WAYBILL_UNKNOWN: ['签名有效，但本平台无此运单', 'Signed, but this platform has no such waybill'],
};

// Public: anyone who scanned a waybill's QR checks here that it is genuine and sees the waybill's essentials.
export function VerifyPage() {
  const [text, setText] = useState(query().get('qr') ?? '');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [error, setError] = useState('');
  const verify = async (qr: string) => {
    setError('');
    setVerdict(null);
    try {
      setVerdict(await api<Verdict>('/public/verify', { method: 'POST', json: { qr: qr.trim() } }));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    if (text.length >= 10) void verify(text);
  }, []);
  const ok = verdict?.genuine && verdict.known;
  return (
    <section class="page verify">
      <h1>{L('运单二维码核验', 'Waybill QR verification')}</h1>
      <p class="muted">{L('扫描或上传运单上的二维码，或粘贴其内容。', 'Scan or upload the QR on the waybill, or paste what it says.')}</p>
      <QrInput
        onText={(t) => {
          setText(t);
          void verify(t);
        }}
      />
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void verify(text);
        }}
      >
        <textarea data-testid="qr-text" rows={2} value={text} placeholder="HZW1.…" onInput={(e) => setText(e.currentTarget.value)} />
        <button class="primary">{L('核验', 'Verify')}</button>
      </form>
      {error && <p class="error">{error}</p>}
      {verdict && (
        <div class={`verdict ${ok ? (verdict.current ? 'pass' : 'warn') : 'fail'}`} data-testid="verdict" data-genuine={String(!!ok)}>
          <div class="big-mark">{ok ? (verdict.current ? '✔' : '!') : '✘'}</div>
          <div>
            <h2>
              {ok
                ? verdict.current
                  ? L('真实有效的电子运单', 'Genuine waybill')
                  : L('真实，但已被新版本取代', 'Genuine, but superseded by a newer version')
                : L('不是真实有效的运单', 'NOT a genuine waybill')}
            </h2>
            {!ok && <p>{L(...(WHY[verdict.code ?? ''] ?? [verdict.code ?? '', verdict.code ?? '']))}</p>}
            {verdict.status && (
              <p>
                {L('状态', 'Status')}: <b>{statusLabel(verdict.status)}</b>
                {verdict.current === false && ` (${L('现行版本', 'current version')} v${verdict.currentVersion})`}
              </p>
            )}
          </div>
        </div>
      )}
      {ok && verdict.waybill && <EssentialsView w={verdict.waybill} />}
    </section>
  );
}

function EssentialsView({ w }: { w: Essentials }) {
  return (
    <div class="card" data-testid="essentials">
      <h3>
        {w.number} <small>v{w.version}</small>
      </h3>
      <dl class="grid2">
        <dt>{L('签发时间', 'Issued')}</dt>
        <dd>{fmtTime(w.issuedAt)}</dd>
        <dt>{L('托运人', 'Shipper')}</dt>
        <dd>{w.shipper}</dd>
        <dt>{L('承运人', 'Carrier')}</dt>
        <dd>{w.carrier}</dd>
        <dt>{L('收货人', 'Consignee')}</dt>
        <dd>{w.consignee}</dd>
        <dt>{L('起运地', 'From')}</dt>
        <dd>{w.origin}</dd>
        <dt>{L('目的地', 'To')}</dt>
        <dd>{w.destination}</dd>
        <dt>{L('计划时间', 'Planned')}</dt>
        <dd>
          {fmtTime(w.plannedDepartureAt)} → {fmtTime(w.plannedArrivalAt)}
        </dd>
        <dt>{L('车辆', 'Vehicle')}</dt>
        <dd data-testid="plates">
          {w.vehicle}
          {w.trailer ? ` / ${w.trailer}` : ''}
        </dd>
      </dl>
      <table>
        <thead>
          <tr>
            <th>UN</th>
            <th>{L('品名', 'Name')}</th>
            <th>{L('类别', 'Class')}</th>
            <th>{L('包装类别', 'PG')}</th>
            <th>{L('数量', 'Quantity')}</th>
          </tr>
        </thead>
        <tbody>
          {w.goods.map((g) => (
            <tr>
              <td>{g.unNumber}</td>
              <td>{g.name}</td>
              <td>{g.hazardClass}</td>
              <td>{g.packingGroup ?? '—'}</td>
              <td>
                {g.quantity} {g.unit}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
