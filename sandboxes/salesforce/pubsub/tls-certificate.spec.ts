import { createPublicKey, X509Certificate } from 'node:crypto';
import { connect, createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';

import { createSelfSignedCertificate } from './tls-certificate';

describe('self-signed certificate', () => {
  const now = new Date(Date.UTC(2025, 5, 1));
  const certificate = createSelfSignedCertificate({ hosts: ['sandbox.test', '10.0.0.7', 'fd00::7'], now });
  const x509 = new X509Certificate(certificate.certificatePem);

  it('is a CA certificate for localhost, the loopback addresses and the given hosts, signed by its own key', () => {
    expect(x509.subject).toContain('CN=Salesforce sandbox Pub/Sub API');
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.ca).toBe(true);
    expect(x509.subjectAltName?.split(', ')).toEqual([
      'DNS:localhost',
      'IP Address:127.0.0.1',
      'IP Address:0:0:0:0:0:0:0:1',
      'DNS:sandbox.test',
      'IP Address:10.0.0.7',
      'IP Address:FD00:0:0:0:0:0:0:7',
    ]);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.verify(createPublicKey(certificate.privateKeyPem))).toBe(true);
    expect(new Date(x509.validFrom).getTime()).toBe(now.getTime() - 3600_000);
    expect(new Date(x509.validTo).getTime()).toBe(now.getTime() + 365 * 86400_000);
  });

  it('passes full TLS verification for a client that trusts it', async () => {
    const live = createSelfSignedCertificate();
    const server: Server = createServer({ key: live.privateKeyPem, cert: live.certificatePem }, (s) => s.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, ca: live.certificatePem, servername: 'localhost' });
        socket.on('data', (d: Buffer) => resolve(d.toString()));
        socket.on('error', reject);
      });
      expect(answer).toBe('ok');
      await expect(
        new Promise((resolve, reject) => {
          const socket = connect({ host: '127.0.0.1', port, servername: 'localhost' }, () => resolve('connected'));
          socket.on('error', reject);
        }),
      ).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    } finally {
      server.close();
    }
  });
});
