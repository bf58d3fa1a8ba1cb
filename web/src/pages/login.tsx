import { useState } from 'preact/hooks';
import { ApiError, login } from '../api';
import { L } from '../i18n';
import { navigate, query } from '../router';

export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card narrow login"
      data-testid="login-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError('');
        try {
          await login(username.trim(), password);
          const next = query().get('next');
          navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
        } catch (x) {
          const code = x instanceof ApiError ? x.code : '';
          setError(
            code === 'LOGIN_FAILED'
              ? L('用户名或密码错误', 'Wrong username or password')
              : code === 'ACCOUNT_LOCKED'
                ? L('账户已被临时锁定，请稍后再试', 'The account is locked for a while: try again later')
                : (x as Error).message,
          );
        } finally {
          setBusy(false);
        }
      }}
    >
      <h1>{L('登录', 'Sign in')}</h1>
      <label>
        {L('用户名', 'Username')}
        <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required />
      </label>
      <label>
        {L('密码', 'Password')}
        <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="primary" disabled={busy} type="submit">
        {L('登录', 'Sign in')}
      </button>
      <p class="muted">
        <a href="/verify">{L('扫码核验运单（无需登录）', 'Verify a waybill QR (no sign-in)')}</a>
      </p>
    </form>
  );
}
