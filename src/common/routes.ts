/** The shape of Express 5's router layers that this module reads. */
interface Layer {
  route?: { methods: Record<string, boolean> };
  match(path: string): boolean;
}

const ALL_METHODS_THRESHOLD = 8;

/**
 * Methods the Express app routes for a path: tells a 405 (known path, other method) from a 404.
 */
export function allowedMethods(app: unknown, path: string): string[] {
  const stack = (app as { router?: { stack?: Layer[] } }).router?.stack ?? [];
  const methods = new Set<string>();
  for (const layer of stack) {
    if (!layer.route || !layer.match(path)) continue;
    // Middleware bound to every method (Nest's forRoutes ALL) is not a route of the API.
    if (Object.keys(layer.route.methods).length > ALL_METHODS_THRESHOLD) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') methods.add(method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
