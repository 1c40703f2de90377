import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Language } from '../config/app-config.js';
import { PROBLEMS, problemType, type ProblemCode } from './problem.js';

/**
 * Requests that Node's HTTP parser refuses before the application sees them (headers over 16 KiB,
 * broken framing) are answered as problem+json with a stable code too, rather than as Node's bare
 * status line. No request was parsed: the language is the service's default.
 */
export function answerClientErrors(server: Server, language: Language): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const code: ProblemCode = error.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'MALFORMED_REQUEST';
    const spec = PROBLEMS[code];
    const detail =
      code === 'HEADERS_TOO_LARGE'
        ? { it: 'Le intestazioni della richiesta superano 16 KiB.', en: 'The request headers are larger than 16 KiB.' }
        : { it: 'La richiesta non è HTTP valido.', en: 'The request is not valid HTTP.' };
    const body = JSON.stringify({
      type: problemType(code),
      title: spec.title[language],
      status: spec.status,
      code,
      detail: detail[language],
    });
    socket.end(
      `HTTP/1.1 ${spec.status} ${code === 'HEADERS_TOO_LARGE' ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/problem+json; charset=utf-8\r\nContent-Language: ${language}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
