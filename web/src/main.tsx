import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, logout, restore, session, type Me } from './api';
import { L, setLang, useLang } from './i18n';
import { link, navigate, route } from './router';
import { useSignal } from './state';
import './style.css';
import { FleetPage } from './pages/fleet';
import { GatePage } from './pages/gate';
import { LoginPage } from './pages/login';
import { MapPage } from './pages/map';
import { ShipmentsPage } from './pages/shipments';
import { VerifyPage } from './pages/verify';

type NavItem = { path: string; zh: string; en: string };

// What each kind of organisation works with; the API still decides what each call may see.
export function navFor(me: Me): NavItem[] {
  const k = me.organisation.kind;
  const admin = me.roles.includes('admin');
  const items: NavItem[] = [];
  if (admin || k === 'authority' || k === 'carrier') items.push({ path: '/map', zh: '实时监控', en: 'Live map' });
  if (admin || k === 'loading_site') items.push({ path: '/gate', zh: '装货查验', en: 'Loading gate' });
  items.push({ path: '/shipments', zh: '电子运单', en: 'Waybills' });
  if (admin || k === 'carrier') items.push({ path: '/fleet', zh: '车辆与人员', en: 'Fleet' });
  items.push({ path: '/verify', zh: '运单核验', en: 'Verify QR' });
  return items;
}

const home = (me: Me) => navFor(me)[0]!.path;

function LangSwitch() {
  const lang = useLang();
  return (
    <button class="lang" data-testid="lang-switch" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')} title={lang === 'zh' ? 'English' : '中文'}>
      {lang === 'zh' ? 'EN' : '中文'}
    </button>
  );
}

function ChangePassword() {
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [err, setErr] = useState('');
  return (
    <form
      class="card narrow"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api('/auth/password', { method: 'POST', json: { currentPassword: cur, newPassword: next } });
          const me = await api<Me>('/auth/me');
          session.value = { token: session.value!.token, me };
        } catch (x) {
          setErr((x as Error).message);
        }
      }}
    >
      <h2>{L('请先修改一次性密码', 'Change your one-time password first')}</h2>
      <label>
        {L('当前密码', 'Current password')}
        <input type="password" value={cur} onInput={(e) => setCur(e.currentTarget.value)} required />
      </label>
      <label>
        {L('新密码（至少12位）', 'New password (12+ characters)')}
        <input type="password" minLength={12} value={next} onInput={(e) => setNext(e.currentTarget.value)} required />
      </label>
      {err && <p class="error">{err}</p>}
      <button class="primary">{L('修改', 'Change')}</button>
    </form>
  );
}

function App() {
  useLang();
  const s = useSignal(session);
  const path = useSignal(route).split('?')[0]!;
  const [ready, setReady] = useState(false);
  useEffect(() => {
    restore().finally(() => setReady(true));
  }, []);
  if (!ready) return <div class="loading">…</div>;

  // The public verification page needs no account.
  if (path.startsWith('/verify') && !s) {
    return (
      <Shell me={null}>
        <VerifyPage />
      </Shell>
    );
  }
  if (!s) {
    if (path !== '/login') navigate(`/login${path !== '/' ? `?next=${encodeURIComponent(path)}` : ''}`, true);
    return (
      <Shell me={null}>
        <LoginPage />
      </Shell>
    );
  }
  if (s.me.mustChangePassword) {
    return (
      <Shell me={s.me}>
        <ChangePassword />
      </Shell>
    );
  }
  const allowed = navFor(s.me).map((n) => n.path);
  const section = `/${path.split('/')[1] ?? ''}`;
  if (!allowed.includes(section)) {
    navigate(home(s.me), true);
    return null;
  }
  return (
    <Shell me={s.me} section={section}>
      {section === '/map' && <MapPage me={s.me} />}
      {section === '/gate' && <GatePage me={s.me} />}
      {section === '/shipments' && <ShipmentsPage me={s.me} path={path} />}
      {section === '/fleet' && <FleetPage me={s.me} />}
      {section === '/verify' && <VerifyPage />}
    </Shell>
  );
}

function Shell(props: { me: Me | null; section?: string; children: preact.ComponentChildren }) {
  const { me } = props;
  return (
    <div class={`shell ${props.section === '/map' ? 'full' : ''}`}>
      <header class="top">
        <a class="brand" href="/" onClick={(e) => link(e, '/')}>
          <span class="logo">⚠</span> Hazway <small>{L('危险货物道路运输', 'Dangerous goods by road')}</small>
        </a>
        {me && (
          <nav data-testid="nav">
            {navFor(me).map((n) => (
              <a href={n.path} class={props.section === n.path ? 'active' : ''} onClick={(e) => link(e, n.path)} data-nav={n.path}>
                {L(n.zh, n.en)}
              </a>
            ))}
          </nav>
        )}
        <div class="right">
          <LangSwitch />
          {me && (
            <span class="who" data-testid="who">
              {me.organisation.name} · {me.user?.username}
              <button class="link" onClick={() => logout().then(() => navigate('/login'))}>
                {L('退出', 'Sign out')}
              </button>
            </span>
          )}
        </div>
      </header>
      <main>{props.children}</main>
    </div>
  );
}

setLang(localStorage.getItem('hazway.lang') === 'en' ? 'en' : 'zh');
render(<App />, document.getElementById('app')!);
