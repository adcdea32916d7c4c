import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * Core NATS subject (not a stream) on which the git-poller passes on each
 * verified push or pull-request webhook, for roles that read repositories
 * on their own (the appset role's generators). Lost when nobody listens:
 * those roles poll too.
 */
export const SCM_CHANGED_SUBJECT = 'flotilla.scm.changed';

/** A repository changed: a push or a pull (merge) request event. */
export const ScmChanged = Type.Object(
  {
    version: Type.Literal(1),
    /** Unique per webhook delivery, so replicas that all hear it ask for work once. */
    id: Type.String({ minLength: 1, maxLength: 128 }),
    event: Type.Union([Type.Literal('push'), Type.Literal('pullRequest')]),
    repoUrls: Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 16 }),
    number: Type.Optional(Type.Integer()),
    action: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { $id: 'flotilla.scm.changed.v1', description: 'A push or pull request webhook arrived.' },
);
/** A repository changed. */
export type ScmChanged = Static<typeof ScmChanged>;

/** The message, or undefined when `bytes` is not one. */
export function decodeScmChanged(bytes: Uint8Array): ScmChanged | undefined {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return Value.Check(ScmChanged, v) ? v : undefined;
  } catch {
    return undefined;
  }
}
