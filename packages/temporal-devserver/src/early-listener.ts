// A TCP port bound before the server is loaded. Loading the server (gRPC, Temporal's protobuf root, the engine)
// takes a second on an idle machine and several on a loaded one, while a client that launched it (such as
// @temporalio/testing, which gives a server 5 s) may already be connecting: an early listener makes those
// connections wait in the accept queue of a bound port instead of being refused.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface EarlyListener {
  readonly server: Server;
  readonly port: number;
  /** Hands every connection, those accepted so far first, to `serve`. */
  serve(serve: (socket: Socket) => void): void;
}

export function listenEarly(host: string, port: number): Promise<EarlyListener> {
  const waiting: Socket[] = [];
  let serving: ((socket: Socket) => void) | undefined;
  const server = createServer((socket) => (serving ? serving(socket) : waiting.push(socket)));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        serve(serve) {
          serving = serve;
          for (const socket of waiting.splice(0)) serve(socket);
        },
      });
    });
  });
}
