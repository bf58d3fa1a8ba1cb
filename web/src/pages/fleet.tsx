import { useEffect, useState } from 'preact/hooks';
import { api, qs, type Me } from '../api';
import { L, useLang } from '../i18n';

type Kind = 'vehicles' | 'tanks' | 'people';
type Cert = { field: string; zh: string; en: string };

// The certificates each record carries, by their date fields.
const CERTS: Record<Kind, Cert[]> = {
  vehicles: [
    { field: 'drivingLicenceValidUntil', zh: '行驶证', en: 'Registration' },
    { field: 'nextSafetyInspection', zh: '安全技术检验', en: 'Safety inspection' },
    { field: 'transportCertValidUntil', zh: '道路运输证', en: 'Transport cert.' },
    { field: 'insuranceValidUntil', zh: '保险', en: 'Insurance' },
  ],
  tanks: [{ field: 'nextInspectionDate', zh: '罐体检验', en: 'Tank inspection' }],
  people: [
    { field: 'drivingLicenceValidUntil', zh: '驾驶证', en: 'Driving licence' },
    { field: 'qualificationValidUntil', zh: '从业资格证', en: 'Qualification' },
  ],
};

// China Standard Time days: valid through the end date (README "Fleet and crews").
const todayCst = () => new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
export function certState(until: string | null | undefined, withinDays = 30): 'missing' | 'expired' | 'expiring' | 'valid' {
  if (!until) return 'missing';
  const today = todayCst();
  if (until < today) return 'expired';
  const soon = new Date(Date.parse(`${today}T00:00:00Z`) + withinDays * 86400000).toISOString().slice(0, 10);
  return until <= soon ? 'expiring' : 'valid';
}

export function FleetPage({ me }: { me: Me }) {
  useLang();
  const [kind, setKind] = useState<Kind>('vehicles');
  const [items, setItems] = useState<Record<string, any>[]>([]);
  const [q, setQ] = useState('');
  const [error, setError] = useState('');
  const load = () =>
    api<{ items: Record<string, any>[] }>(`/${kind}?${qs({ q, limit: 200 })}`)
      .then((r) => setItems(r.items))
      .catch((e) => setError(e.message));
  useEffect(() => {
    void load();
  }, [kind]);
  const title = (i: Record<string, any>) => (kind === 'vehicles' ? i.plateNumber : kind === 'tanks' ? i.number : i.name);
  return (
    <section class="page">
      <h1>{L('车辆、罐体与人员', 'Vehicles, tanks and people')}</h1>
      <div class="tabs" role="tablist">
        {(['vehicles', 'tanks', 'people'] as Kind[]).map((k) => (
          <button class={k === kind ? 'on' : ''} data-testid={`tab-${k}`} onClick={() => setKind(k)}>
            {k === 'vehicles' ? L('车辆', 'Vehicles') : k === 'tanks' ? L('罐体', 'Tanks') : L('人员', 'People')}
          </button>
        ))}
      </div>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <input placeholder={L('搜索', 'Search')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button>{L('查询', 'Search')}</button>
      </form>
      {error && <p class="error">{error}</p>}
      <div class="legend">
        <span class="cert expired">{L('已过期', 'expired')}</span> <span class="cert expiring">{L('30天内到期', 'expires within 30 days')}</span> <span class="cert valid">{L('有效', 'valid')}</span>
      </div>
      <div class="table-wrap">
        <table data-testid="fleet-table">
          <thead>
            <tr>
              <th>{kind === 'vehicles' ? L('车牌号', 'Plate') : kind === 'tanks' ? L('罐体编号', 'Tank number') : L('姓名', 'Name')}</th>
              {kind === 'vehicles' && <th>{L('类型', 'Kind')}</th>}
              {kind === 'people' && <th>{L('类别', 'Categories')}</th>}
              {kind === 'people' && <th>{L('身份证号', 'ID number')}</th>}
              {CERTS[kind].map((c) => (
                <th>{L(c.zh, c.en)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr>
                <td>{title(i)}</td>
                {kind === 'vehicles' && <td>{i.kind}</td>}
                {kind === 'people' && <td>{(i.categories ?? []).join(', ')}</td>}
                {kind === 'people' && <td>{i.idNumberMasked ?? i.idNumber}</td>}
                {CERTS[kind].map((c) => {
                  const s = certState(i[c.field]);
                  return (
                    <td class={`cert ${s}`} data-cert={c.field} data-state={s}>
                      {i[c.field] ?? '—'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CsvImport kind={kind} onDone={load} />
    </section>
  );
}

type RowResult = { row: number; ok: boolean; errors?: { field: string; code: string; message: string; column?: string }[] };
type ImportStatus = { id: string; state: string; result?: { committed: boolean; created: number; failed: number; rows: RowResult[] }; error?: { message: string } };

// CSV bulk import (UTF-8 or GBK, English or Chinese headers) with every bad row's errors.
function CsvImport({ kind, onDone }: { kind: Kind; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState('all-or-nothing');
  const [status, setStatus] = useState<ImportStatus | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card"
      data-testid="csv-import"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!file) return;
        setBusy(true);
        setError('');
        setStatus(null);
        try {
          let s = await api<ImportStatus & { importId?: string }>(`/${kind}/import?${qs({ mode, wait: 'true' })}`, { method: 'POST', raw: file, contentType: 'text/csv' });
          const id = s.id ?? s.importId!;
          while (s.state !== 'completed' && s.state !== 'failed') {
            await new Promise((r) => setTimeout(r, 1000));
            s = await api<ImportStatus>(`/imports/${id}`);
          }
          setStatus(s);
          onDone();
        } catch (x) {
          setError((x as Error).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>{L('CSV 批量导入', 'CSV import')}</h2>
      <div class="row wrap">
        <input type="file" accept=".csv,text/csv" data-testid="csv-file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        <select value={mode} onChange={(e) => setMode(e.currentTarget.value)}>
          <option value="all-or-nothing">{L('全部成功才导入', 'All rows or none')}</option>
          <option value="valid-rows">{L('只导入有效行', 'Only the valid rows')}</option>
        </select>
        <button class="primary" disabled={!file || busy} data-testid="csv-upload">
          {L('导入', 'Import')}
        </button>
      </div>
      {error && <p class="error">{error}</p>}
      {status?.result && (
        <div data-testid="import-result">
          <p>
            {status.result.committed ? L('已导入', 'Imported') : L('未导入（有错误行）', 'Nothing imported (rows with errors)')}: {status.result.created} / {L('失败', 'failed')}{' '}
            {status.result.failed}
          </p>
          <table>
            <thead>
              <tr>
                <th>{L('行', 'Row')}</th>
                <th>{L('错误', 'Errors')}</th>
              </tr>
            </thead>
            <tbody>
              {status.result.rows
                .filter((r) => !r.ok)
                .map((r) => (
                  <tr class="bad" data-row={r.row}>
                    <td>{r.row}</td>
                    <td>{(r.errors ?? []).map((x) => `${x.column ?? x.field}: ${x.message}`).join('; ')}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
      {status?.state === 'failed' && <p class="error">{status.error?.message}</p>}
    </form>
  );
}
