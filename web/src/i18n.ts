// Chinese by default, English on request; every text is written as a pair where it is used: L('登录', 'Sign in').
import { signal, useSignal } from './state';

export type Lang = 'zh' | 'en';
export const lang = signal<Lang>((localStorage.getItem('hazway.lang') as Lang) === 'en' ? 'en' : 'zh');

export function setLang(l: Lang) {
  localStorage.setItem('hazway.lang', l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  lang.value = l;
}

export const L = (zh: string, en: string) => (lang.value === 'en' ? en : zh);
export const useLang = () => useSignal(lang);

// A server message given in both languages.
export const msg = (m: { messageZh?: string; messageEn?: string; message?: string; zh?: string; en?: string }) =>
  lang.value === 'en' ? (m.messageEn ?? m.message ?? m.en ?? m.messageZh ?? '') : (m.messageZh ?? m.zh ?? m.messageEn ?? m.message ?? m.en ?? '');

export const fmtTime = (iso: string | null | undefined) => {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(lang.value === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
};

export const STATUS: Record<string, [string, string]> = {
  draft: ['草稿', 'Draft'],
  issued: ['已签发', 'Issued'],
  checked: ['查验通过', 'Checked'],
  check_failed: ['查验未通过', 'Check failed'],
  loading: ['装货中', 'Loading'],
  loaded: ['已装货', 'Loaded'],
  in_transit: ['运输中', 'In transit'],
  arrived: ['已到达', 'Arrived'],
  delivered: ['已收货', 'Delivered'],
  closed: ['已完结', 'Closed'],
  discrepancy: ['数量差异', 'Discrepancy'],
  cancelled: ['已取消', 'Cancelled'],
  aborted: ['已中止', 'Aborted'],
  incident: ['事故', 'Incident'],
  superseded: ['已被新版本取代', 'Superseded'],
};
export const statusLabel = (s: string) => {
  const p = STATUS[s];
  return p ? L(p[0], p[1]) : s;
};
