import type { LabelSelector } from '@flotilla/api';

/** A malformed label selector (unknown operator, values where none belong...). */
export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

/** Checks a selector once, as metav1.LabelSelectorAsSelector does. */
export function checkSelector(selector: LabelSelector): void {
  for (const e of selector.matchExpressions ?? []) {
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0)
      throw new SelectorError(`selector: ${e.operator} on ${e.key} needs values`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0)
      throw new SelectorError(`selector: ${e.operator} on ${e.key} takes no values`);
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator))
      throw new SelectorError(`selector: unknown operator ${JSON.stringify(e.operator)}`);
  }
}

/**
 * True when `labels` satisfy `selector`, with Kubernetes' meaning: every
 * matchLabels pair and every expression holds; an empty selector matches
 * everything.
 */
export function matchesSelector(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return true;
  checkSelector(selector);
  for (const [k, v] of Object.entries(selector.matchLabels ?? {}))
    if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    const ok =
      e.operator === 'In'
        ? has && values.includes(value ?? '')
        : e.operator === 'NotIn'
          ? !has || !values.includes(value ?? '')
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}
