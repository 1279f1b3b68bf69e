/**
 * An HTTP server on 127.0.0.1 for the local fakes: listens on a free port (or a given one) and,
 * on close, drops open keep-alive connections so a test never waits on a client's idle socket.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';

export class LoopbackServer {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(handler: RequestListener) {
    this.server = createServer(handler);
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts listening; resolves with the origin, e.g. `http://127.0.0.1:41234`; rejects when it cannot (EADDRINUSE). */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the server has no TCP address');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
