import QRCode from 'qrcode';
import type { WaybillDocument } from './waybill-document.js';

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '');

const STATUS_ZH: Record<string, string> = {
  issued: '已签发', check_failed: '查验未通过', checked: '已查验', loading: '装货中', loaded: '已装货', in_transit: '运输中',
  arrived: '已到达', delivered: '已交付', discrepancy: '数量不符', closed: '已闭环', cancelled: '已作废', aborted: '已中止', incident: '事故',
};

// The printable electronic waybill (危险货物道路运输运单) for one version, with its signed QR code.
export async function renderWaybillPrint(doc: WaybillDocument, qr: string, status: string): Promise<string> {
  const qrSvg = await QRCode.toString(qr, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  const party = (label: string, p: WaybillDocument['shipper']) =>
    `<tr><th>${label}</th><td>${esc(p?.name)}${p?.uscc ? `<br><small>统一社会信用代码 ${esc(p.uscc)}</small>` : ''}${p?.contactPhone ? `<br><small>电话 ${esc(p.contactPhone)}</small>` : ''}</td></tr>`;
  const lines = doc.lines
    .map(
      (l) =>
        `<tr><td>${l.lineNo}</td><td>UN${esc(l.unNumber)}</td><td>${esc(l.name)}</td><td>${esc(l.hazardClass)}${l.subsidiaryRisks.length ? ` (${esc(l.subsidiaryRisks.join(', '))})` : ''}</td><td>${esc(l.packingGroup ?? '')}</td><td>${esc(l.packagingType ?? '')}</td><td>${esc(l.packageCount ?? '')}</td><td>${esc(l.declaredQuantity)} ${esc(l.unit)}</td><td>${esc(l.tunnelCode ?? '')}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>危险货物道路运输运单 ${esc(doc.number)}</title>
<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#111}h1{font-size:20px;margin:0}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #444;padding:4px 6px;font-size:13px;text-align:left;vertical-align:top}
th{background:#f2f2f2;width:9em}.head{display:flex;justify-content:space-between;align-items:flex-start}.qr{width:180px}
.status{font-weight:bold}@media print{body{margin:10mm}}</style></head><body>
<div class="head"><div><h1>危险货物道路运输运单</h1><p>运单编号 <b>${esc(doc.number)}</b> · 第 ${doc.version} 版 · 签发 ${esc(when(doc.issuedAt))}<br>
状态 <span class="status">${esc(STATUS_ZH[status] ?? status)}</span></p></div><div class="qr">${qrSvg}<small>扫码核验 / Scan to verify</small></div></div>
<table>${party('托运人', doc.shipper)}${party('承运人', doc.carrier)}${party('收货人', doc.consignee)}${doc.loadingSite ? party('装货人', doc.loadingSite) : ''}
<tr><th>起运地</th><td>${esc(doc.origin?.name)} ${esc(doc.origin?.address)}</td></tr><tr><th>目的地</th><td>${esc(doc.destination?.name)} ${esc(doc.destination?.address)}</td></tr>
<tr><th>计划起运/到达</th><td>${esc(when(doc.plannedDepartureAt))} — ${esc(when(doc.plannedArrivalAt))}</td></tr>
<tr><th>车辆 / 挂车 / 罐体</th><td>${esc(doc.vehicle?.plateNumber)} ${doc.trailer ? ` / ${esc(doc.trailer.plateNumber)}` : ''} ${doc.tank ? ` / ${esc(doc.tank.number)}` : ''}</td></tr>
<tr><th>驾驶员</th><td>${esc(doc.driver?.name)} ${esc(doc.driver?.idNumberMasked)} 从业资格证 ${esc(doc.driver?.qualificationCertNumber)}</td></tr>
<tr><th>押运员</th><td>${esc(doc.escort?.name)} ${esc(doc.escort?.idNumberMasked)} 从业资格证 ${esc(doc.escort?.qualificationCertNumber)}</td></tr>
${doc.permits.length ? `<tr><th>许可/通行证</th><td>${doc.permits.map((x) => `${esc(x.number)}（${esc(x.issuer)}）`).join('<br>')}</td></tr>` : ''}
<tr><th>应急联系</th><td>${esc(doc.emergencyContact.name)} ${esc(doc.emergencyContact.phone)}<br><small>${esc(doc.emergencyContact.measures)}</small></td></tr></table>
<table><tr><th>序号</th><th>UN号</th><th>品名</th><th>类别(次要)</th><th>包装类别</th><th>包装</th><th>件数</th><th>数量</th><th>隧道代码</th></tr>${lines}</table>
<p><small>本运单由 Hazway 电子签名（Ed25519），可用公开密钥离线核验。</small></p></body></html>`;
}
