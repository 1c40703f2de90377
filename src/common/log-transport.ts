import type { TransportSingleOptions } from 'pino';

/**
 * Where the service's logs go: readable lines (pino-pretty) when stdout is a terminal, a person
 * watching `npm start`; JSON lines otherwise (a file, a pipe, a container's log collector).
 */
export function logTransport(stdout: { isTTY?: boolean } = process.stdout): TransportSingleOptions | undefined {
  if (!stdout.isTTY) return undefined;
  return {
    target: 'pino-pretty',
    options: {
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
      // One line per entry: `[Percorsi] message`, and a request as `request completed GET /cases 200 12 ms`.
      messageFormat: '{if context}[{context}] {end}{msg}{if req.method} {req.method} {req.url} {res.statusCode} {responseTime} ms{end}',
      ignore: 'pid,hostname,context,req,res,responseTime',
    },
  };
}
