import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { SettingsService } from '../common/settings.service.js';
import { generateSigningKeyPair, publicKeyFingerprint, signWaybillQr, verifyWaybillQr } from './qr.js';

// The instance's Ed25519 key pair for waybill QR codes: generated on first start and kept in the database,
// so every process signs with the same key and anyone can verify offline with the published public key
// (GET /public/waybill-key).
@Injectable()
export class QrKeysService implements OnApplicationBootstrap {
  private keys?: { privateKeyPem: string; publicKeyPem: string };

  constructor(private readonly settings: SettingsService) {}

  async onApplicationBootstrap() {
    await this.load();
  }

  private async load() {
    if (!this.keys) {
      const generated = generateSigningKeyPair();
      const stored = await this.settings.getOrCreate('qr.ed25519', () => JSON.stringify(generated));
      this.keys = JSON.parse(stored) as { privateKeyPem: string; publicKeyPem: string };
    }
    return this.keys;
  }

  async publicKey() {
    const { publicKeyPem } = await this.load();
    return { algorithm: 'Ed25519', format: 'HZW1', publicKeyPem, fingerprint: publicKeyFingerprint(publicKeyPem) };
  }

  async sign(payload: Parameters<typeof signWaybillQr>[0]) {
    return signWaybillQr(payload, (await this.load()).privateKeyPem);
  }

  async verify(qr: string) {
    return verifyWaybillQr(qr, (await this.load()).publicKeyPem);
  }
}
