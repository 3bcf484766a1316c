/**
 * A minimal DNS server for tests: answers A queries for one name with a list of IPv4 addresses that
 * the test changes at will (as a Kubernetes headless Service's answer changes when pods come and
 * go), NODATA for other types of that name, NXDOMAIN for other names. UDP only, TTL 0.
 */
import dgram from 'node:dgram';

const TYPE_A = 1;

export class TinyDns {
  /** The addresses the next A answer holds. */
  addresses: string[] = [];
  /** A queries answered so far (each one is a re-resolution by a client). */
  aQueries = 0;
  private readonly socket = dgram.createSocket('udp4');

  constructor(readonly name: string) {
    this.socket.on('message', (msg, rinfo) => {
      const reply = this.answer(msg);
      if (reply) this.socket.send(reply, rinfo.port, rinfo.address);
    });
  }

  /** Binds 127.0.0.1 on a free port and resolves to the port. */
  start(): Promise<number> {
    return new Promise((resolve) =>
      this.socket.bind(0, '127.0.0.1', () => resolve(this.socket.address().port)),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(q: Buffer): Buffer | undefined {
    if (q.length < 12 || q.readUInt16BE(4) !== 1) return undefined;
    // Question: labels up to a zero byte, then QTYPE and QCLASS.
    const labels: string[] = [];
    let at = 12;
    while (at < q.length && q[at] !== 0) {
      labels.push(q.subarray(at + 1, at + 1 + q[at]).toString('latin1'));
      at += 1 + q[at];
    }
    const qtype = q.readUInt16BE(at + 1);
    const question = q.subarray(12, at + 5);
    const known = labels.join('.').toLowerCase() === this.name.toLowerCase();
    const answers = known && qtype === TYPE_A ? this.addresses : [];
    if (known && qtype === TYPE_A) this.aQueries++;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(q.readUInt16BE(0), 0); // id
    header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2); // response, recursion desired+available, NOERROR/NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map((ip) => {
      const r = Buffer.alloc(16);
      r.writeUInt16BE(0xc00c, 0); // name: pointer to the question
      r.writeUInt16BE(TYPE_A, 2);
      r.writeUInt16BE(1, 4); // class IN
      r.writeUInt32BE(0, 6); // TTL
      r.writeUInt16BE(4, 10);
      ip.split('.').forEach((octet, i) => r.writeUInt8(Number(octet), 12 + i));
      return r;
    });
    return Buffer.concat([header, question, ...records]);
  }
}
