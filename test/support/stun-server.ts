import dgram from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;

export interface StunServer {
  /** `stun:127.0.0.1:<port>` */
  url: string;
  /** The source port of every binding request answered. */
  readonly requestPorts: number[];
  close(): Promise<void>;
}

/**
 * A STUN server on 127.0.0.1 that answers binding requests (RFC 5389) with `mappedAddress` and the
 * request's source port, as a server on the Internet would report a NAT's public side. A candidate
 * carrying `mappedAddress` can only have come from asking this server.
 */
export async function startStunServer(mappedAddress: string): Promise<StunServer> {
  const socket = dgram.createSocket('udp4');
  const requestPorts: number[] = [];
  const mapped = mappedAddress.split('.').map(Number);
  socket.on('message', (request, from) => {
    if (request.length < 20 || request.readUInt16BE(0) !== BINDING_REQUEST || request.readUInt32BE(4) !== MAGIC_COOKIE) return;
    requestPorts.push(from.port);
    const response = Buffer.alloc(20 + 12);
    response.writeUInt16BE(BINDING_SUCCESS, 0);
    response.writeUInt16BE(12, 2);
    response.writeUInt32BE(MAGIC_COOKIE, 4);
    request.copy(response, 8, 8, 20);
    response.writeUInt16BE(XOR_MAPPED_ADDRESS, 20);
    response.writeUInt16BE(8, 22);
    response.writeUInt8(0, 24);
    response.writeUInt8(0x01, 25);
    response.writeUInt16BE(from.port ^ (MAGIC_COOKIE >>> 16), 26);
    const address = (((mapped[0] ?? 0) << 24) | ((mapped[1] ?? 0) << 16) | ((mapped[2] ?? 0) << 8) | (mapped[3] ?? 0)) >>> 0;
    response.writeUInt32BE((address ^ MAGIC_COOKIE) >>> 0, 28);
    socket.send(response, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    url: `stun:127.0.0.1:${socket.address().port}`,
    requestPorts,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
