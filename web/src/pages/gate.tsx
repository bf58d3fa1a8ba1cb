import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, qs, type Me } from '../api';
import { L, msg, statusLabel, useLang } from '../i18n';
import { QrInput } from '../qr';

type ChecklistItem = { key: string; label: { zh: string; en: string }; phase: string; appliesWhen?: { zh: string; en: string } };
type Finding = { ruleId: string; messageZh: string; messageEn: string };
type CheckResult = { id: string; outcome: 'pass' | 'fail'; waybillId: string; waybillNumber?: string; waybillVersion: number; failures: Finding[]; warnings: Finding[] };
type Answer = { ok: boolean | null; note: string; photoIds: string[] };

// The loading gate, phone-first: the waybill from its QR (camera or photo) or number, the checklist, the
// verdict with every reason, then loading with quantities and seals.
export function GatePage({ me }: { me: Me }) {
  useLang();
  const [source, setSource] = useState<{ qr?: string; waybillNumber?: string } | null>(null);
  const [number, setNumber] = useState('');
  const [checklist, setChecklist] = useState<ChecklistItem[]>([]);
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [operators, setOperators] = useState<{ id: string; name: string }[]>([]);
  const [operatorId, setOperatorId] = useState('');
  const [plates, setPlates] = useState('');
  const [result, setResult] = useState<CheckResult | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<{ checklist: ChecklistItem[] }>('/loading-checks/rules').then((r) => setChecklist(r.checklist.filter((i) => i.phase === 'pre_loading')));
    api<{ items: { id: string; name: string; categories: string[] }[] }>(`/people?${qs({ organisationId: me.organisation.id, limit: 200 })}`).then((r) => {
      const ops = r.items.filter((p) => p.categories.includes('loading_manager'));
      setOperators(ops);
      if (ops[0]) setOperatorId(ops[0].id);
    });
  }, []);

  const answer = (key: string, patch: Partial<Answer>) => setAnswers((a) => ({ ...a, [key]: { ...{ ok: null, note: '', photoIds: [] }, ...a[key], ...patch } }));
  const unanswered = checklist.filter((i) => answers[i.key]?.ok == null);

  const submit = async () => {
    if (!source) return;
    setBusy(true);
    setError('');
    setResult(null);
    try {
      const r = await api<CheckResult>('/loading-checks', {
        method: 'POST',
        json: {
          ...source,
          operatorId,
          scannedPlates: plates.split(/[\s,，]+/).filter(Boolean).slice(0, 3),
          checklist: checklist
            .filter((i) => answers[i.key]?.ok != null)
            .map((i) => ({ key: i.key, ok: answers[i.key]!.ok, ...(answers[i.key]!.note ? { note: answers[i.key]!.note } : {}), ...(answers[i.key]!.photoIds.length ? { photoIds: answers[i.key]!.photoIds } : {}) })),
        },
      });
      setResult(r);
    } catch (e) {
      setError(gateError(e));
    } finally {
      setBusy(false);
    }
  };

  const reset = () => {
    setSource(null);
    setResult(null);
    setAnswers({});
    setPlates('');
    setNumber('');
    setError('');
  };

  return (
    <section class="page gate">
      <h1>{L('装货前查验', 'Pre-loading check')}</h1>
      {!source && (
        <div class="card">
          <h2>1. {L('识别运单', 'Find the waybill')}</h2>
          <QrInput testid="gate-qr-file" onText={(t) => setSource(t.startsWith('HZW') ? { qr: t } : { waybillNumber: t.trim() })} />
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (number.trim()) setSource({ waybillNumber: number.trim().toUpperCase() });
            }}
          >
            <input data-testid="waybill-number" placeholder={L('或输入运单号 YD…', 'or type the waybill number YD…')} value={number} onInput={(e) => setNumber(e.currentTarget.value)} />
            <button>{L('确定', 'OK')}</button>
          </form>
        </div>
      )}
      {source && !result && (
        <div class="card">
          <p class="scanned" data-testid="scanned">
            {source.qr ? L('已扫描运单二维码', 'Waybill QR scanned') : `${L('运单号', 'Waybill')} ${source.waybillNumber}`}{' '}
            <button class="link" onClick={reset}>
              {L('重新扫描', 'Scan again')}
            </button>
          </p>
          <label>
            {L('装卸管理人员', 'Loading manager')}
            <select data-testid="operator" value={operatorId} onChange={(e) => setOperatorId(e.currentTarget.value)}>
              {operators.map((o) => (
                <option value={o.id}>{o.name}</option>
              ))}
            </select>
          </label>
          {!operators.length && <p class="warn-text">{L('本单位尚未登记装卸管理人员', 'No loading manager is registered for this site')}</p>}
          <label>
            {L('闸口识别的号牌（可选）', 'Plates read at the gate (optional)')}
            <input data-testid="plates" value={plates} placeholder="蒙B12345 蒙B1234挂" onInput={(e) => setPlates(e.currentTarget.value)} />
          </label>
          <h2>2. {L('现场核对', 'Gate checklist')}</h2>
          <button type="button" class="small" data-testid="all-ok" onClick={() => checklist.forEach((i) => answer(i.key, { ok: true }))}>
            {L('全部符合', 'All fine')}
          </button>
          <ol class="checklist">
            {checklist.map((i) => {
              const a = answers[i.key];
              return (
                <li class={a?.ok === false ? 'bad' : a?.ok ? 'good' : ''} data-key={i.key}>
                  <div class="item-label">
                    {L(i.label.zh, i.label.en)}
                    {i.appliesWhen && <small> — {L(i.appliesWhen.zh, i.appliesWhen.en)}</small>}
                  </div>
                  <div class="row">
                    <button type="button" class={`yes ${a?.ok === true ? 'on' : ''}`} onClick={() => answer(i.key, { ok: true })}>
                      ✔ {L('符合', 'Yes')}
                    </button>
                    <button type="button" class={`no ${a?.ok === false ? 'on' : ''}`} onClick={() => answer(i.key, { ok: false })}>
                      ✘ {L('不符合', 'No')}
                    </button>
                    <label class="button small">
                      {L('拍照', 'Photo')} {a?.photoIds.length ? `(${a.photoIds.length})` : ''}
                      <input
                        type="file"
                        accept="image/jpeg,image/png,image/webp"
                        capture="environment"
                        hidden
                        onChange={async (e) => {
                          const f = e.currentTarget.files?.[0];
                          if (!f) return;
                          try {
                            const photo = await api<{ id: string }>('/loading-checks/photos', { method: 'POST', raw: f, contentType: f.type });
                            answer(i.key, { photoIds: [...(answers[i.key]?.photoIds ?? []), photo.id] });
                          } catch (x) {
                            setError((x as Error).message);
                          }
                        }}
                      />
                    </label>
                  </div>
                  {a?.ok === false && <input placeholder={L('说明', 'Note')} value={a.note} onInput={(e) => answer(i.key, { note: e.currentTarget.value })} />}
                </li>
              );
            })}
          </ol>
          {error && <p class="error" data-testid="gate-error">{error}</p>}
          <button class="primary big" data-testid="run-check" disabled={busy || !operatorId || unanswered.length > 0} onClick={submit}>
            {unanswered.length ? L(`还有 ${unanswered.length} 项未核对`, `${unanswered.length} items left`) : L('提交查验', 'Run the check')}
          </button>
        </div>
      )}
      {result && <CheckVerdict result={result} onAgain={() => setResult(null)} onNext={reset} />}
    </section>
  );
}

function gateError(e: unknown): string {
  if (!(e instanceof ApiError)) return (e as Error).message;
  switch (e.code) {
    case 'QR_BAD_SIGNATURE':
    case 'QR_MALFORMED':
      return L('二维码不是本平台签发或已被篡改：禁止装货', 'The QR was not issued here or was altered: do not load');
    case 'WAYBILL_NOT_FOUND':
      return L('找不到该运单（或不属于本装货点）', 'No such waybill for this loading site');
    case 'CHECKLIST_INCOMPLETE':
      return L('核对项未全部回答', 'Answer every checklist item');
    default:
      return e.message;
  }
}

function CheckVerdict({ result, onAgain, onNext }: { result: CheckResult; onAgain: () => void; onNext: () => void }) {
  const pass = result.outcome === 'pass';
  return (
    <div>
      <div class={`verdict ${pass ? 'pass' : 'fail'}`} data-testid="check-outcome" data-outcome={result.outcome}>
        <div class="big-mark">{pass ? '✔' : '✘'}</div>
        <div>
          <h2>{pass ? L('查验通过，可以装货', 'Check passed: loading may start') : L('查验未通过，禁止装货', 'Check failed: do NOT load')}</h2>
          <p class="muted">
            {L('运单版本', 'Waybill version')} v{result.waybillVersion}
          </p>
        </div>
      </div>
      {!!result.failures.length && (
        <ul class="reasons fail" data-testid="failures">
          {result.failures.map((f) => (
            <li data-rule={f.ruleId}>
              <b>{f.ruleId}</b> {msg(f)}
            </li>
          ))}
        </ul>
      )}
      {!!result.warnings.length && (
        <ul class="reasons warn">
          {result.warnings.map((f) => (
            <li data-rule={f.ruleId}>
              <b>{f.ruleId}</b> {msg(f)}
            </li>
          ))}
        </ul>
      )}
      {pass ? <Loading waybillId={result.waybillId} /> : <p class="muted">{L('承运人更换车辆或人员（变更运单）后可重新查验。', 'Once the carrier substitutes the vehicle or crew (an amendment), check again.')}</p>}
      <div class="row">
        {!pass && (
          <button class="primary" data-testid="check-again" onClick={onAgain}>
            {L('重新查验', 'Check again')}
          </button>
        )}
        <button onClick={onNext}>{L('下一辆车', 'Next vehicle')}</button>
      </div>
    </div>
  );
}

type WaybillLine = { lineNo: number; unNumber: string; name: string; declaredQuantity: number; unit: string; packageCount: number | null };

// After a passing check: start loading, then record what was loaded and the seals (PL-22, PL-32).
function Loading({ waybillId }: { waybillId: string }) {
  const [w, setW] = useState<{ status: string; tankId: string | null; lines: WaybillLine[] } | null>(null);
  const [qty, setQty] = useState<Record<number, string>>({});
  const [packages, setPackages] = useState<Record<number, string>>({});
  const [seals, setSeals] = useState('');
  const [ratio, setRatio] = useState('');
  const [closed, setClosed] = useState(false);
  const [error, setError] = useState('');
  const load = () => api(`/waybills/${waybillId}`).then(setW);
  useEffect(() => {
    void load();
  }, [waybillId]);
  if (!w) return null;
  const act = async (fn: () => Promise<unknown>) => {
    setError('');
    try {
      await fn();
      await load();
    } catch (e) {
      const details = (e as ApiError).details as { problems?: { message: string; messageZh: string }[] } | undefined;
      setError(details?.problems?.map((p) => msg(p)).join('；') || (e as Error).message);
    }
  };
  return (
    <div class="card" data-testid="loading">
      <p>
        {L('运单状态', 'Waybill status')}: <b data-testid="waybill-status">{statusLabel(w.status)}</b>
      </p>
      {w.status === 'checked' && (
        <button class="primary big" data-testid="start-loading" onClick={() => act(() => api(`/loading/${waybillId}/start`, { method: 'POST', json: {} }))}>
          {L('开始装货', 'Start loading')}
        </button>
      )}
      {w.status === 'loading' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(() =>
              api(`/loading/${waybillId}/finish`, {
                method: 'POST',
                json: {
                  // every line, with the packages of a packaged one (PL-22: the loading record says what was loaded)
                  lines: w.lines.map((l) => ({
                    lineNo: l.lineNo,
                    loadedQuantity: Number(qty[l.lineNo] ?? l.declaredQuantity),
                    ...(l.packageCount !== null ? { loadedPackages: Number(packages[l.lineNo] ?? l.packageCount) } : {}),
                  })),
                  seals: seals.split(/[\s,，]+/).filter(Boolean),
                  ...(ratio ? { fillingRatioPct: Number(ratio) } : {}),
                  closures: { ok: closed },
                },
              }),
            );
          }}
        >
          <h3>{L('装货记录', 'Loading record')}</h3>
          {w.lines.map((l) => (
            <label>
              UN{l.unNumber} {l.name} ({L('申报', 'declared')} {l.declaredQuantity} {l.unit})
              <input type="number" step="any" min="0" data-testid={`loaded-${l.lineNo}`} value={qty[l.lineNo] ?? String(l.declaredQuantity)} onInput={(e) => setQty({ ...qty, [l.lineNo]: e.currentTarget.value })} />
              {l.packageCount !== null && (
                <>
                  {L('件数', 'packages')} ({L('申报', 'declared')} {l.packageCount})
                  <input
                    type="number"
                    step="1"
                    min="0"
                    required
                    data-testid={`loaded-packages-${l.lineNo}`}
                    value={packages[l.lineNo] ?? String(l.packageCount)}
                    onInput={(e) => setPackages({ ...packages, [l.lineNo]: e.currentTarget.value })}
                  />
                </>
              )}
            </label>
          ))}
          <label>
            {L('铅封号（空格分隔）', 'Seal numbers (space-separated)')}
            <input data-testid="seals" value={seals} onInput={(e) => setSeals(e.currentTarget.value)} />
          </label>
          <label>
            {L('充装率 %（罐车，液位计读数）', 'Filling ratio % (tanks: the gauge reading)')}
            {/* A tank load needs it unless every line is in litres or m³ (the server then works it out): PL-22. */}
            <input
              type="number"
              step="any"
              min="0"
              max="100"
              data-testid="filling-ratio"
              required={!!w.tankId && !w.lines.every((l) => l.unit === 'L' || l.unit === 'm3')}
              value={ratio}
              onInput={(e) => setRatio(e.currentTarget.value)}
            />
          </label>
          <label class="check">
            <input type="checkbox" data-testid="closures" checked={closed} onChange={(e) => setClosed(e.currentTarget.checked)} />
            {L('阀门、人孔已关闭，无泄漏，外表无残留', 'Closures closed, no leaks, no residue outside')}
          </label>
          <button class="primary big" data-testid="finish-loading">
            {L('完成装货', 'Finish loading')}
          </button>
        </form>
      )}
      {error && <p class="error">{error}</p>}
    </div>
  );
}
