// features/auth/components/: the login page and the RequireAuth guard.

import { useId, useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';

import { Alert } from '@/components/ui/alert';
import { Loading } from '@/components/ui/loading';
import { ApiError } from '@/lib/api-client';

import { useMe } from '../api/get-me';
import { useLogin } from '../api/login';
import { redirectTargetFrom } from '../redirect';

export function LoginPage() {
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  const redirectTo = redirectTargetFrom(searchParams);
  const me = useMe();
  const login = useLogin({ onSuccess: () => void navigate(redirectTo, { replace: true }) });

  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.data) return <Navigate to={redirectTo} replace />;

  return (
    <div className="auth-page">
      <div className="auth-card">
        <h1 className="auth-title">
          <span className="brand-mark" aria-hidden="true" />
          TaskPulse
        </h1>
        <p className="auth-subtitle">Sign in to follow your tasks live.</p>
        <LoginForm
          onSubmit={(input) => login.mutate(input)}
          isPending={login.isPending}
          error={login.error}
        />
      </div>
    </div>
  );
}

type LoginFormProps = {
  onSubmit: (input: { username: string; password: string }) => void;
  isPending: boolean;
  error: Error | null;
};

function LoginForm({ onSubmit, isPending, error }: LoginFormProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const fieldErrors = error instanceof ApiError ? error.fieldErrors : {};

  const handleSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onSubmit({ username: username.trim(), password });
  };

  return (
    <form className="form" onSubmit={handleSubmit} aria-label="Sign in">
      {error && <Alert>{describeLoginError(error)}</Alert>}
      <TextField
        label="Username"
        name="username"
        autoComplete="username"
        autoFocus
        value={username}
        onChange={setUsername}
        errors={fieldErrors.username}
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
        errors={fieldErrors.password}
      />
      <button type="submit" className="button button-primary" disabled={isPending}>
        {isPending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

type TextFieldProps = {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  errors: string[] | undefined;
  type?: 'text' | 'password';
  autoComplete?: string;
  autoFocus?: boolean;
};

function TextField({ label, errors, onChange, type = 'text', ...inputProps }: TextFieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        {...inputProps}
        id={id}
        type={type}
        required
        aria-invalid={errors ? true : undefined}
        aria-describedby={errors ? errorId : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      {errors && (
        <p className="field-error" id={errorId}>
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}

function describeLoginError(error: Error): string {
  if (!(error instanceof ApiError)) return 'Could not reach the server. Please try again.';
  const nonField = error.fieldErrors.non_field_errors;
  if (error.detail) return error.detail;
  if (nonField) return nonField.join(' ');
  if (error.status === 400) return 'Please check the highlighted fields.';
  return `Sign-in failed (${error.status}). Please try again.`;
}
