import net from 'node:net';

/**
 * Whether a socket's remote address is this machine: 127.0.0.0/8, ::1, or an IPv4 loopback address
 * mapped into IPv6 (::ffff:127.x.y.z, how a dual-stack listener reports IPv4 clients). Only the socket
 * address counts: X-Forwarded-For is written by the client and proves nothing.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const lower = address.toLowerCase();
  const v4 = lower.startsWith('::ffff:') && net.isIPv4(lower.slice(7)) ? lower.slice(7) : lower;
  if (net.isIPv4(v4)) return v4.split('.')[0] === '127';
  return net.isIPv6(lower) && loopbackV6.check(lower, 'ipv6');
}

const loopbackV6 = new net.BlockList();
loopbackV6.addAddress('::1', 'ipv6');
