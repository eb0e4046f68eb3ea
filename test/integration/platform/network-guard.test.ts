import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { drainViolations, isLoopbackHost } from '../../support/network-guard.js';

describe('the test network guard', () => {
  it('knows loopback from the rest', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1', '0.0.0.0']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['192.0.2.1', '10.0.0.1', '2001:db8::1', 'openapi.alipay.com', 'api.mch.weixin.qq.com', '128.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses a connection to another address before anything is sent (fetch and raw sockets)', async () => {
    await expect(fetch('https://api.mch.weixin.qq.com/v3/certificates')).rejects.toThrow();
    const error = await new Promise<Error>((resolve) => {
      net.connect({ host: '192.0.2.1', port: 9 }).once('error', resolve);
    });
    expect(error.message).toMatch(/network guard/);
    expect(drainViolations()).toEqual(['api.mch.weixin.qq.com:443', '192.0.2.1:9']);
  });

  it('lets loopback through', async () => {
    const server = net.createServer((socket) => socket.end('hi'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const text = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      let data = '';
      socket.on('data', (chunk) => { data += String(chunk); }).on('end', () => resolve(data)).on('error', reject);
    });
    expect(text).toBe('hi');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
