import type { Language } from '../config/app-config.js';

const LANGUAGES: Language[] = ['it', 'en'];

/** The language an Accept-Language header prefers among ours (q-values honoured), or the fallback. */
export function pickLanguage(header: string | undefined, fallback: Language): Language {
  if (!header) return fallback;
  let best: { lang: Language; q: number } | null = null;
  for (const part of header.split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const lang = tag === '*' ? fallback : LANGUAGES.find((l) => tag === l || tag.startsWith(`${l}-`));
    if (lang && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? fallback;
}
