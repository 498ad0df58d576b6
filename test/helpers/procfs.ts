// What the kernel says a process holds: its TCP sockets by state, from /proc. Used to
// prove the master never accepts a connection (it holds listening sockets only).
import { readFile } from 'node:fs/promises';
import { fdLinks } from '../../src/process/procfs.ts';

const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT',
  '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
};

export interface TcpSocket {
  inode: string;
  localPort: number;
  state: string;
}

/** Every TCP socket the process has open, with its local port and state. */
export async function tcpSocketsOf(pid: number): Promise<TcpSocket[]> {
  const inodes = new Set<string>();
  for (const target of await fdLinks(pid)) {
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  const sockets: TcpSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9]!)) continue;
      sockets.push({ inode: cols[9]!, localPort: parseInt(cols[1]!.split(':')[1]!, 16), state: TCP_STATES[cols[3]!] ?? cols[3]! });
    }
  }
  return sockets;
}
