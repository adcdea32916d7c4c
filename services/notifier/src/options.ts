/** The notifier's settings, from the environment, with documented defaults. */
export interface NotifierOptions {
  readonly configMap: string;
  readonly secret: string;
  readonly concurrency: number;
  readonly maxDeliveries: number;
  readonly backoff: { readonly initialMs: number; readonly factor: number; readonly maxMs: number };
  /** How long the ConfigMap and Secret are cached between reads. */
  readonly settingsCacheMs: number;
}

const positive = (
  env: Readonly<Record<string, string | undefined>>,
  key: string,
  fallback: number,
): number => {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${key}: ${JSON.stringify(raw)} must be a positive number`);
  return n;
};

/** Compiles {@link NotifierOptions} from the environment. */
export function compileNotifierOptions(
  env: Readonly<Record<string, string | undefined>>,
): NotifierOptions {
  return {
    configMap: env['FLOTILLA_NOTIFICATIONS_CONFIGMAP'] || 'flotilla-notifications-cm',
    secret: env['FLOTILLA_NOTIFICATIONS_SECRET'] || 'flotilla-notifications-secret',
    concurrency: positive(env, 'FLOTILLA_NOTIFY_CONCURRENCY', 8),
    maxDeliveries: positive(env, 'FLOTILLA_NOTIFY_MAX_DELIVERIES', 10),
    backoff: {
      initialMs: positive(env, 'FLOTILLA_NOTIFY_RETRY_INITIAL_SECONDS', 2) * 1_000,
      factor: 2,
      maxMs: positive(env, 'FLOTILLA_NOTIFY_RETRY_MAX_SECONDS', 300) * 1_000,
    },
    settingsCacheMs: positive(env, 'FLOTILLA_NOTIFY_SETTINGS_CACHE_SECONDS', 2) * 1_000,
  };
}
