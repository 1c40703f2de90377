import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted, so that equal bodies hash equally whatever their key order.
 * Iterative, not recursive: a client's body may be nested thousands of levels deep (it fits in
 * 64 KiB), and that must be a 4xx from validation, not a stack overflow here.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // What is left to write, last first: a value to render, or a piece of text.
  const todo: ({ text: string } | { value: unknown })[] = [{ value }];
  while (todo.length > 0) {
    const item = todo.pop()!;
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const v = item.value;
    if (Array.isArray(v)) {
      todo.push({ text: ']' });
      for (let i = v.length - 1; i >= 0; i--) todo.push({ value: v[i] as unknown }, ...(i > 0 ? [{ text: ',' }] : []));
      out.push('[');
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v).sort();
      todo.push({ text: '}' });
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push({ value: (v as Record<string, unknown>)[keys[i]] }, { text: `${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:` });
      }
      out.push('{');
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
